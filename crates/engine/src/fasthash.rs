//! A fast, non-cryptographic hasher for the engine's internal maps keyed by short strings (names in
//! the queryset interpreter's environments, import tables).
//!
//! std's default (SipHash with a random key) resists hash flooding, which matters for maps filled
//! from untrusted input over a network, not for names read from the project under analysis; it was
//! about 4% of a large project's run. Nothing depends on the iteration order of these maps (it was
//! already random per process with std's hasher).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// An odd 64-bit constant with well-spread bits (2^64 divided by the golden ratio).
const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Mixes eight bytes at a time into the state: xor, multiply, rotate.
#[derive(Clone, Copy, Default)]
pub struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(K).rotate_left(26);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length tells `a\0` from `a` once padded.
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    /// The multiply leaves the low bits weakest; fold the high half in, since the table picks buckets
    /// from the low bits.
    #[inline]
    fn finish(&self) -> u64 {
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(K) ^ (h >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(s)
    }

    #[test]
    fn different_names_hash_apart() {
        let names = ["a", "a\0", "ab", "ba", "queryset", "querysets", "get_queryset", "self", "request", ""];
        let mut seen = std::collections::HashSet::new();
        for n in names {
            assert!(seen.insert(hash(n)), "collision on {n:?}");
        }
        assert_eq!(hash("same"), hash("same"));
    }

    #[test]
    fn maps_behave_as_maps() {
        let mut m: FastMap<String, usize> = FastMap::default();
        for i in 0..10_000 {
            m.insert(format!("name_{i}"), i);
        }
        assert_eq!(m.len(), 10_000);
        assert!((0..10_000).all(|i| m[&format!("name_{i}")] == i));
    }
}
