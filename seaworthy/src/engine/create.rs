//! Creating a resource once over a connection that may break.
//!
//! A create is not repeated blindly: when the connection breaks, the engine may have created
//! the resource and lost only its reply. So the resource is looked up by its name (and the
//! run's label) first; only when it is not there is the create tried again.

use std::future::Future;

use super::retry::{retrying, Failed, BACKOFF};
use super::transport::transport;

/// Runs `create`; after a transport failure, runs `lookup` (retried as a read): what it finds
/// is the result, and when it finds nothing `create` is tried again, at most `BACKOFF.len() + 1`
/// times in all.
pub(crate) async fn create_once<T, C, CF, L, LF>(mut create: C, mut lookup: L) -> Result<T, Failed>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, bollard::errors::Error>>,
    L: FnMut() -> LF,
    LF: Future<Output = Result<Option<T>, bollard::errors::Error>>,
{
    let mut attempt = 0;
    loop {
        let error = match create().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let wait = match BACKOFF.get(attempt) {
            Some(wait) if transport(&error).is_some() => *wait,
            _ => {
                return Err(Failed {
                    error,
                    attempts: attempt + 1,
                })
            }
        };
        tracing::debug!(target: "seaworthy", %error, attempt, "create failed in transport: looking it up");
        tokio::time::sleep(wait).await;
        if let Some(found) = retrying(|_| lookup()).await? {
            return Ok(found);
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod should {
    use std::cell::Cell;

    use super::*;

    fn closed() -> bollard::errors::Error {
        bollard::errors::Error::IOError {
            err: std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn take_what_a_lost_reply_created_instead_of_creating_it_again() {
        let (creates, lookups) = (Cell::new(0), Cell::new(0));
        let r = create_once(
            || {
                creates.set(creates.get() + 1);
                async { Err::<&str, _>(closed()) }
            },
            || {
                lookups.set(lookups.get() + 1);
                async { Ok(Some("id-1")) }
            },
        )
        .await;
        assert_eq!(r.unwrap(), "id-1");
        assert_eq!((creates.get(), lookups.get()), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn create_again_only_when_the_lookup_finds_nothing() {
        let (creates, lookups) = (Cell::new(0), Cell::new(0));
        let r = create_once(
            || {
                creates.set(creates.get() + 1);
                let n = creates.get();
                async move {
                    if n == 1 {
                        Err(closed())
                    } else {
                        Ok("id-2")
                    }
                }
            },
            || {
                lookups.set(lookups.get() + 1);
                async { Ok(None) }
            },
        )
        .await;
        assert_eq!(r.unwrap(), "id-2");
        assert_eq!((creates.get(), lookups.get()), (2, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn never_repeat_a_create_the_engine_refused() {
        let creates = Cell::new(0);
        let r = create_once(
            || {
                creates.set(creates.get() + 1);
                async {
                    Err::<&str, _>(bollard::errors::Error::DockerResponseServerError {
                        status_code: 500,
                        message: "no".into(),
                    })
                }
            },
            || async { Ok(None) },
        )
        .await;
        assert_eq!(r.unwrap_err().attempts, 1);
        assert_eq!(creates.get(), 1);
    }
}
