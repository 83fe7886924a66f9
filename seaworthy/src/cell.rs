//! [`SharedCell`]: the "created once" state a definition shares with its clones.
//!
//! A definition is cloned freely (a fixture hands it to several tests), and every clone must
//! see the one container, network, volume or image it stands for. Creating it is async and can
//! fail, and two clones may ask at the same moment: the cell serialises initialisation behind an
//! async gate (`get_or_try_init`), so exactly one caller creates and the others wait for it and
//! then see its value. Reading the value never waits: it lives behind a plain mutex that is only
//! held to copy it out.
//!
//! Unlike a `OnceCell`, the value can be removed again ([`SharedCell::take_with`]) so that a
//! torn-down definition can be set up anew.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

/// A value created at most once at a time, shared by every clone of the cell.
pub(crate) struct SharedCell<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    /// Held while the value is being created or removed.
    gate: tokio::sync::Mutex<()>,
    value: Mutex<Option<T>>,
}

impl<T> Clone for SharedCell<T> {
    fn clone(&self) -> Self {
        SharedCell {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for SharedCell<T> {
    fn default() -> Self {
        SharedCell {
            inner: Arc::new(Inner {
                gate: tokio::sync::Mutex::new(()),
                value: Mutex::new(None),
            }),
        }
    }
}

impl<T: Clone + std::fmt::Debug> std::fmt::Debug for SharedCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SharedCell").field(&*self.value()).finish()
    }
}

/// Exclusive access to the cell while creating or removing its value (see [`SharedCell::lock`]).
pub(crate) struct CellGuard<'a, T> {
    cell: &'a SharedCell<T>,
    _gate: tokio::sync::MutexGuard<'a, ()>,
}

impl<T: Clone> CellGuard<'_, T> {
    /// The value, if set.
    pub(crate) fn get(&self) -> Option<T> {
        self.cell.get()
    }

    /// Sets the value; every clone sees it from now on.
    pub(crate) fn set(&self, value: T) {
        *self.cell.value() = Some(value);
    }

    /// Clears the value.
    pub(crate) fn clear(&self) {
        *self.cell.value() = None;
    }
}

impl<T: Clone> SharedCell<T> {
    fn value(&self) -> MutexGuard<'_, Option<T>> {
        // A panic while the lock was held cannot leave the Option half-written.
        crate::sync::lock(&self.inner.value)
    }

    /// The value, if set (never waits for a creation in progress).
    pub(crate) fn get(&self) -> Option<T> {
        self.value().clone()
    }

    /// `true` once the value is set.
    pub(crate) fn is_set(&self) -> bool {
        self.value().is_some()
    }

    /// Waits until no other caller is creating or removing the value, and keeps them out until
    /// the guard is dropped. For a creation with several steps where the value must be visible
    /// before the last one (a container exists before it is ready).
    pub(crate) async fn lock(&self) -> CellGuard<'_, T> {
        CellGuard {
            cell: self,
            _gate: self.inner.gate.lock().await,
        }
    }

    /// The value, created by `init` if it is not set. Concurrent callers on clones of one cell
    /// run `init` once: the others wait and get its value (or, if it failed, try themselves).
    pub(crate) async fn get_or_try_init<E, F, Fut>(&self, init: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let guard = self.lock().await;
        if let Some(v) = guard.get() {
            return Ok(v);
        }
        let v = init().await?;
        guard.set(v.clone());
        Ok(v)
    }

    /// Removes the value with `remove`, then clears it; does nothing when it is not set. The
    /// value stays when `remove` fails, so the removal can be retried.
    pub(crate) async fn take_with<E, F, Fut>(&self, remove: F) -> Result<(), E>
    where
        F: FnOnce(T) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let guard = self.lock().await;
        if let Some(v) = guard.get() {
            remove(v).await?;
            guard.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod should {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn run_init_once_for_concurrent_callers_on_clones() {
        let cell: SharedCell<usize> = SharedCell::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cell, calls) = (cell.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                cell.get_or_try_init(|| async {
                    let n = calls.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok::<_, ()>(n + 100)
                })
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(100));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn leave_the_cell_empty_after_a_failed_init_and_retry() {
        let cell: SharedCell<&str> = SharedCell::default();
        assert_eq!(
            cell.get_or_try_init(|| async { Err("no") }).await,
            Err("no")
        );
        assert!(!cell.is_set());
        assert_eq!(
            cell.get_or_try_init(|| async { Ok::<_, ()>("yes") }).await,
            Ok("yes")
        );
        assert_eq!(cell.clone().get(), Some("yes"));
    }

    #[tokio::test]
    async fn keep_the_value_when_removal_fails_and_clear_it_when_it_succeeds() {
        let cell: SharedCell<u8> = SharedCell::default();
        assert_eq!(cell.take_with(|_| async { Err("unset") }).await, Ok(()));
        cell.get_or_try_init(|| async { Ok::<_, ()>(7) })
            .await
            .unwrap();
        assert_eq!(cell.take_with(|v| async move { Err(v) }).await, Err(7));
        assert_eq!(cell.get(), Some(7));
        assert_eq!(cell.take_with(|_| async { Ok::<_, ()>(()) }).await, Ok(()));
        assert_eq!(cell.get(), None);
    }
}
