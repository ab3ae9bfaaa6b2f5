//! Independent per-item work spread over every core in native builds, one item after the other in
//! wasm (which has no threads here). Results always come back in item order, so callers produce the
//! same output either way. Fuzzing builds (`--cfg fuzzing`) also run one item after the other:
//! libFuzzer's per-input leak check would otherwise catch std's thread teardown mid-way.

/// The interpreter, the fact builders and the rules recurse over syntax trees; each thread gets the
/// room a main thread has.
#[cfg(not(any(target_arch = "wasm32", fuzzing)))]
const STACK: usize = 64 * 1024 * 1024;

/// `f(i, &items[i])` for every item, in item order. `cost` estimates an item's work (its text's
/// length, say): items are dealt out round-robin from the costliest, so each thread gets a similar
/// share. The calling thread takes one share itself.
#[cfg(not(any(target_arch = "wasm32", fuzzing)))]
pub fn map<'a, T, R, C, F>(items: &'a [T], cost: C, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    C: Fn(&T) -> usize,
    F: Fn(usize, &'a T) -> R + Sync,
{
    let n = items.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8).min(n);
    if threads < 2 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
    let mut shares: Vec<Vec<usize>> = (0..threads).map(|_| Vec::new()).collect();
    for (k, i) in order.into_iter().enumerate() {
        shares[k % threads].push(i);
    }
    let f = &f;
    let run = move |share: Vec<usize>| -> Vec<(usize, R)> { share.into_iter().map(|i| (i, f(i, &items[i]))).collect() };
    let mut done: Vec<Option<R>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut shares = shares.into_iter();
        let mine = shares.next().unwrap_or_default();
        let mut workers = Vec::new();
        for share in shares {
            let copy = share.clone();
            match std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, move || run(share)) {
                Ok(handle) => workers.push(handle),
                // A thread that cannot be started leaves its items to this one.
                Err(_) => {
                    for (i, r) in run(copy) {
                        done[i] = Some(r);
                    }
                }
            }
        }
        for (i, r) in run(mine) {
            done[i] = Some(r);
        }
        for worker in workers {
            match worker.join() {
                Ok(results) => {
                    for (i, r) in results {
                        done[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    done.into_iter().enumerate().map(|(i, r)| r.unwrap_or_else(|| f(i, &items[i]))).collect()
}

#[cfg(any(target_arch = "wasm32", fuzzing))]
pub fn map<'a, T, R, C, F>(items: &'a [T], _cost: C, f: F) -> Vec<R>
where
    C: Fn(&T) -> usize,
    F: Fn(usize, &'a T) -> R,
{
    items.iter().enumerate().map(|(i, t)| f(i, t)).collect()
}

/// `(a(), b())`, with `b` on a thread of its own in native builds while this thread runs `a`.
#[cfg(not(any(target_arch = "wasm32", fuzzing)))]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    // `b` goes into the thread through this slot, so that it is still here if the thread cannot be
    // started.
    let slot = std::sync::Mutex::new(Some(b));
    let (ra, rb) = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn_scoped(scope, || slot.lock().ok().and_then(|mut b| b.take()).map(|b| b()));
        let ra = a();
        let rb = match spawned.map(|handle| handle.join()) {
            Ok(Ok(rb)) => rb,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => None,
        };
        (ra, rb)
    });
    match rb {
        Some(rb) => (ra, rb),
        // Not started: run it here.
        None => {
            let b = slot.into_inner().unwrap_or_else(|e| e.into_inner()).take();
            // ok: a thread that never started never took `b` out of the slot (native builds only).
            (ra, b.expect("`b` runs once, on the thread or here")())
        }
    }
}

#[cfg(any(target_arch = "wasm32", fuzzing))]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let ra = a();
    (ra, b())
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_item_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = super::map(&items, |&x| x % 7, |i, &x| (i, x * 2));
        assert!(out.iter().enumerate().all(|(k, &(i, y))| k == i && y == 2 * k));
        assert!(super::map(&[] as &[u8], |_| 0, |_, _| 0).is_empty());
    }

    #[test]
    fn join_returns_both_results() {
        let text = String::from("borrowed");
        let (a, b) = super::join(|| text.len(), || text.to_uppercase());
        assert_eq!((a, b.as_str()), (8, "BORROWED"));
    }
}
