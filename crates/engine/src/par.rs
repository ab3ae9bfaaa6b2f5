//! Independent per-item work spread over every core in native builds, one item after the other in
//! wasm (which has no threads here). Results always come back in item order, so callers produce the
//! same output either way.

/// The interpreter, the fact builders and the rules recurse over syntax trees; each thread gets the
/// room a main thread has.
#[cfg(not(target_arch = "wasm32"))]
const STACK: usize = 64 * 1024 * 1024;

/// `f(i, &items[i])` for every item, in item order. `cost` estimates an item's work (its text's
/// length, say): items are dealt out round-robin from the costliest, so each thread gets a similar
/// share. The calling thread takes one share itself.
#[cfg(not(target_arch = "wasm32"))]
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

#[cfg(target_arch = "wasm32")]
pub fn map<'a, T, R, C, F>(items: &'a [T], _cost: C, f: F) -> Vec<R>
where
    C: Fn(&T) -> usize,
    F: Fn(usize, &'a T) -> R,
{
    items.iter().enumerate().map(|(i, t)| f(i, t)).collect()
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
}
