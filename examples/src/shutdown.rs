//! Clean shutdown, shared by the four example servers and the demo: one listener for SIGINT
//! (Ctrl-C) and SIGTERM, whose request every server of the process sees. On it a server stops
//! accepting, lets the requests in flight finish for up to [`GRACE`], closes what is left, and
//! returns; the process then exits with status 0, within 2 s of the signal.
//!
//! The frameworks would each catch the signals for themselves (actix-web's `HttpServer` and
//! Rocket install handlers of their own): in one process (the demo) the first to catch a
//! signal stopped only itself, and the others kept the process alive. So every server is
//! told to leave the signals alone and is stopped through a [`Shutdown`] instead.

use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long requests in flight when the shutdown is requested may take to finish; then the
/// connections still open are closed. Whole seconds, as Rocket's `grace` and actix-web's
/// `shutdown_timeout` count.
pub const GRACE: Duration = Duration::from_secs(1);

/// After [`GRACE`], how long a server may take to close what is left before it is abandoned
/// (see [`Shutdown::bound`]). actix-web looks at its connections once a second, so it notices
/// the end of the grace period up to a few milliseconds late.
const CLOSING: Duration = Duration::from_millis(300);

/// When a server has stopped at the latest, counted from the shutdown request: [`GRACE`] and
/// closing, which leaves the process time to exit within 2 s of the signal.
pub const STOPPED_WITHIN: Duration = GRACE.saturating_add(CLOSING);

/// A shutdown request that every clone sees: the instant it was requested, once it was.
///
/// It does not depend on any one runtime (it is a `tokio::sync::watch`), so servers running
/// on runtimes of their own (actix-web's `System`, Rocket's) can wait for it.
#[derive(Clone, Debug)]
pub struct Shutdown {
    requested: watch::Receiver<Option<Instant>>,
}

impl Shutdown {
    /// Catches SIGINT and SIGTERM from now on, on a thread of its own, and requests the
    /// shutdown on the first. The handlers are installed before this returns, so a signal sent
    /// once a server says it listens is never missed (and never kills the process instead).
    pub fn on_signals() -> Result<Shutdown, String> {
        use tokio::signal::unix::{signal, SignalKind};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot catch signals: {e}"))?;
        let (interrupt, terminate) = {
            let _entered = runtime.enter();
            let catch =
                |kind: SignalKind, name: &str| signal(kind).map_err(|e| format!("cannot catch {name}: {e}"));
            (
                catch(SignalKind::interrupt(), "SIGINT")?,
                catch(SignalKind::terminate(), "SIGTERM")?,
            )
        };
        let (request, shutdown) = Shutdown::manual();
        std::thread::Builder::new()
            .name("shutdown-signals".into())
            .spawn(move || {
                let (mut interrupt, mut terminate) = (interrupt, terminate);
                runtime.block_on(async {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                });
                request.request();
                // The handlers stay installed: a second signal is ignored while the servers
                // finish, within the same bound.
            })
            .map_err(|e| format!("cannot catch signals: {e}"))?;
        Ok(shutdown)
    }

    /// A shutdown requested only through the returned [`ShutdownRequest`] (for a server
    /// embedded in a program that has its own reasons to stop).
    pub fn manual() -> (ShutdownRequest, Shutdown) {
        let (sender, requested) = watch::channel(None);
        (ShutdownRequest { sender }, Shutdown { requested })
    }

    /// Resolves once the shutdown is requested (at once if it already was); never if it can no
    /// longer be. An owned future, as the frameworks' graceful-shutdown hooks take.
    pub fn requested(&self) -> impl Future<Output = ()> + Send + 'static {
        let at = self.request_instant();
        async move {
            at.await;
        }
    }

    /// [`Shutdown::requested`], with the instant of the request.
    fn request_instant(&self) -> impl Future<Output = Instant> + Send + 'static {
        let mut requested = self.requested.clone();
        async move {
            let at = match requested.wait_for(Option::is_some).await {
                Ok(at) => *at,
                Err(_) => None,
            };
            match at {
                Some(at) => at,
                // The request was dropped without being made: nothing will stop this server.
                None => std::future::pending().await,
            }
        }
    }

    /// The instant the shutdown was requested, if it was.
    pub fn requested_at(&self) -> Option<Instant> {
        *self.requested.borrow()
    }

    /// Runs `serve` (a server that stops accepting on [`Shutdown::requested`] and then waits
    /// for its connections) to its end, or until [`STOPPED_WITHIN`] after the request (not
    /// after this call: a request made before the server started counts), whichever comes
    /// first. The frameworks' graceful shutdowns wait for every connection, and a client
    /// stalled halfway through a request would hold the process as long as it liked. `None`
    /// when `serve` was abandoned: it is dropped, and what it left running ends with its
    /// runtime.
    pub async fn bound<T>(&self, serve: impl Future<Output = T>) -> Option<T> {
        let at = self.request_instant();
        let deadline = async move {
            let at = at.await;
            tokio::time::sleep_until(tokio::time::Instant::from_std(at + STOPPED_WITHIN)).await;
        };
        tokio::select! {
            biased;
            out = serve => Some(out),
            () = deadline => {
                eprintln!("shutdown: connections still open {STOPPED_WITHIN:?} after the request were closed");
                None
            }
        }
    }

    /// [`Shutdown::bound`] for a server whose end is a `Result`, as the example servers
    /// return it: its error as text; `Ok(())` also when it was abandoned, since it has
    /// stopped serving either way.
    pub async fn bound_serving<T, E: std::fmt::Display>(
        &self,
        serve: impl Future<Output = Result<T, E>>,
    ) -> Result<(), String> {
        match self.bound(serve).await {
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(_)) | None => Ok(()),
        }
    }
}

/// Requests a [`Shutdown`] (see [`Shutdown::manual`]).
#[derive(Debug)]
pub struct ShutdownRequest {
    sender: watch::Sender<Option<Instant>>,
}

impl ShutdownRequest {
    /// Requests the shutdown; the first request's instant is kept.
    pub fn request(&self) {
        self.sender.send_if_modified(|at| {
            let first = at.is_none();
            if first {
                *at = Some(Instant::now());
            }
            first
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => panic!("runtime: {e}"),
        }
    }

    #[test]
    fn every_clone_sees_the_first_request() {
        let (request, shutdown) = Shutdown::manual();
        let other = shutdown.clone();
        assert_eq!(shutdown.requested_at(), None);
        request.request();
        let first = other.requested_at();
        request.request();
        assert!(first.is_some());
        assert_eq!(shutdown.requested_at(), first);
        runtime().block_on(other.requested());
    }

    #[test]
    fn bound_lets_work_finish_and_cuts_what_outlasts_the_grace() {
        let runtime = runtime();
        let (request, shutdown) = Shutdown::manual();
        request.request();
        // In flight at the request and done within the grace period: its result is kept.
        let finished = runtime.block_on(shutdown.bound(async {
            tokio::time::sleep(GRACE / 2).await;
            "done"
        }));
        assert_eq!(finished, Some("done"));
        // Never done: abandoned.
        let abandoned = runtime.block_on(shutdown.bound(std::future::pending::<()>()));
        assert_eq!(abandoned, None);
    }

    #[test]
    fn without_a_request_nothing_is_cut() {
        // Served for longer than a requested shutdown would allow: only a request may cut it.
        let outlasting = || async {
            tokio::time::sleep(STOPPED_WITHIN + GRACE / 5).await;
            7
        };
        // A request that could still come but has not, and one that no longer can.
        let (request, not_yet_requested) = Shutdown::manual();
        let (dropped, never_requested) = Shutdown::manual();
        drop(dropped);
        let out = runtime().block_on(async {
            tokio::join!(
                not_yet_requested.bound(outlasting()),
                never_requested.bound(outlasting())
            )
        });
        drop(request);
        assert_eq!(out, (Some(7), Some(7)));
    }
}
