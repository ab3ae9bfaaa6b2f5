//! Stable sorting for the wasm build without a copy of the standard sort per call site.
//!
//! Every `sort_by` on a new element type or closure instantiates the standard library's sort again
//! (3 to 5 KB of wasm each). In wasm32 builds these helpers sort a list of indices instead, through
//! one shared instantiation, and then move the elements into place; native builds call the standard
//! sort directly. Both give the result of `slice::sort_by`: a stable sort, so equal elements keep
//! their order.

use std::cmp::Ordering;

/// Sorts like `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(|a, b| cmp(a, b));
    #[cfg(target_arch = "wasm32")]
    {
        let order = order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
        permute(order, &mut |a, b| v.swap(a, b));
    }
}

/// Sorts like `v.sort_by_key(key)`.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts like `v.sort()`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The indices `0..len` in stable sorted order: `order[k]` is the index of the element that belongs
/// at position `k`.
#[cfg(any(target_arch = "wasm32", test))]
#[inline(never)]
fn order(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Moves the elements into the positions `order` gives them, one cycle of the permutation at a time.
#[cfg(any(target_arch = "wasm32", test))]
#[inline(never)]
fn permute(mut order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{order, permute};

    /// The index route (the one wasm builds take) against the standard stable sort.
    fn index_sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> std::cmp::Ordering) {
        let order = order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
        permute(order, &mut |a, b| v.swap(a, b));
    }

    #[test]
    fn index_sort_is_the_standard_stable_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in [0usize, 1, 2, 3, 7, 20, 21, 64, 257, 1000] {
            for _ in 0..5 {
                let v: Vec<(u8, usize)> = (0..len)
                    .map(|i| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        ((seed % 7) as u8, i)
                    })
                    .collect();
                let mut want = v.clone();
                want.sort_by(|a, b| b.0.cmp(&a.0));
                let mut got = v.clone();
                index_sort_by(&mut got, |a, b| b.0.cmp(&a.0));
                assert_eq!(got, want, "len {len}");
            }
        }
    }
}
