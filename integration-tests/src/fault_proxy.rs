//! A fault-injecting proxy in front of the Docker engine, for the fault suite.
//!
//! [`FaultProxy::start`] listens on a unix socket in a fresh temporary directory and forwards
//! every request to the real engine (`/var/run/docker.sock`) with hyper's HTTP/1 server and
//! client, so keep-alive, chunked bodies and the `Upgrade: tcp` of `exec` start behave as they do
//! against the engine. A test points a helper at [`FaultProxy::docker_host`] and scripts faults
//! with [`FaultProxy::on`]: a rule matches requests by method and a regex on the path (with the
//! query), lets the first `skip` matches through, then applies its [`Fault`] `times` times.
//! [`Fault::Hold`] keeps a request at a [`Gate`] until the test opens it: the client is then
//! in the middle of that call (a removal under way) while the test makes another process act.
//! [`FaultProxy::stop`] makes the engine go away: every open connection is cut and new ones are
//! refused.
//!
//! The proxy runs on its own thread and runtime, so it serves whatever the test's runtime does.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, BodyStream, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use regex::Regex;
use tokio::net::{UnixListener, UnixStream};

/// The engine the proxy forwards to.
pub const ENGINE_SOCKET: &str = "/var/run/docker.sock";

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// What a rule does to a request it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without forwarding the request (the engine never sees it).
    Drop,
    /// Forward the request, then close the connection instead of replying: the engine did it,
    /// the reply is lost.
    DropReply,
    /// Wait this long, then forward.
    Delay(Duration),
    /// Answer this status with the engine's JSON error body `{"message": …}`, without forwarding.
    Status(u16, String),
    /// Forward, then cut the connection once this many bytes of the reply body have been sent.
    CutBody(usize),
    /// Forward, then stop sending (and hold the connection open) once this many bytes of the
    /// reply body have been sent. On an upgraded connection (exec start), nothing is passed on
    /// in either direction.
    StallBody(usize),
    /// Hold the request until the [`Gate`] is opened, then forward it: the client is in the
    /// middle of this call for as long as the test wants (a removal under way while another
    /// process acts).
    Hold(Gate),
}

/// Where [`Fault::Hold`] keeps requests until [`Gate::open`]; clones share the gate.
#[derive(Debug, Clone)]
pub struct Gate(Arc<GateState>);

#[derive(Debug)]
struct GateState {
    arrived: AtomicUsize,
    open: tokio::sync::watch::Sender<bool>,
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate(Arc::new(GateState {
            arrived: AtomicUsize::new(0),
            open: tokio::sync::watch::channel(false).0,
        }))
    }

    /// Lets every held request (and every later one) through.
    pub fn open(&self) {
        self.0.open.send_replace(true);
    }

    /// How many requests have reached the gate so far.
    pub fn arrived(&self) -> usize {
        self.0.arrived.load(Ordering::SeqCst)
    }

    /// Waits until `n` requests have reached the gate. The limit (two minutes) is a safety net
    /// that names what never came, not a performance bound.
    pub async fn wait_arrived(&self, n: usize, what: &str) {
        let start = std::time::Instant::now();
        while self.arrived() < n {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "{what} never reached the proxy's gate ({} of {n} requests did)",
                self.arrived()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn pass(&self) {
        let mut open = self.0.open.subscribe();
        self.0.arrived.fetch_add(1, Ordering::SeqCst);
        // An error means the gate is gone: nothing can open it, so let the request through.
        let _ = open.wait_for(|o| *o).await;
    }
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

impl PartialEq for Gate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Gate {}

#[derive(Debug)]
struct Rule {
    method: Option<String>,
    path: Regex,
    skip: usize,
    times: usize,
    fault: Fault,
}

#[derive(Debug, Default)]
struct State {
    rules: Mutex<Vec<Rule>>,
    requests: Mutex<Vec<String>>,
    faults_applied: AtomicUsize,
}

/// A rule being scripted: see [`FaultProxy::on`].
#[derive(Debug)]
pub struct RuleBuilder<'a> {
    proxy: &'a FaultProxy,
    method: Option<String>,
    path: Regex,
    skip: usize,
    times: usize,
}

impl RuleBuilder<'_> {
    /// Lets the first `n` matching requests through untouched (the fault hits the `n+1`th).
    pub fn skip(mut self, n: usize) -> Self {
        self.skip = n;
        self
    }

    /// Applies the fault to this many matching requests (default 1); `usize::MAX` for all.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    /// Installs the rule with its fault.
    pub fn fault(self, fault: Fault) {
        lock(&self.proxy.state.rules).push(Rule {
            method: self.method,
            path: self.path,
            skip: self.skip,
            times: self.times,
            fault,
        });
    }
}

/// The proxy: see the module documentation.
#[derive(Debug)]
pub struct FaultProxy {
    dir: PathBuf,
    socket: PathBuf,
    state: Arc<State>,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FaultProxy {
    /// Starts a proxy to [`ENGINE_SOCKET`] on a unix socket in a new temporary directory.
    pub fn start() -> std::io::Result<FaultProxy> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "seaworthy-fault-proxy-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let socket = dir.join("docker.sock");
        let state = Arc::new(State::default());
        let (stop_tx, thread) = listen(&socket, state.clone())?;
        Ok(FaultProxy {
            dir,
            socket,
            state,
            stop: Mutex::new(Some(stop_tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The engine comes back after a [`stop`](Self::stop): the proxy listens on its socket
    /// again, with its rules and counts as they were. Does nothing while it is running.
    pub fn restart(&self) -> std::io::Result<()> {
        let mut stop = lock(&self.stop);
        if stop.is_some() {
            return Ok(());
        }
        let (stop_tx, thread) = listen(&self.socket, self.state.clone())?;
        *stop = Some(stop_tx);
        *lock(&self.thread) = Some(thread);
        Ok(())
    }

    /// The proxy's address, as `DOCKER_HOST` spells it.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The proxy's socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Scripts a fault for requests whose method is `method` (`"*"` for any) and whose path
    /// (with the query) matches `path` (a regex, unanchored: `/containers/create`,
    /// `^/v[0-9.]+/containers/[^/]+/json`).
    pub fn on(&self, method: &str, path: &str) -> RuleBuilder<'_> {
        RuleBuilder {
            proxy: self,
            method: (method != "*").then(|| method.to_ascii_uppercase()),
            path: Regex::new(path).expect("a valid path regex in a fault rule"),
            skip: 0,
            times: 1,
        }
    }

    /// Removes every rule.
    pub fn clear(&self) {
        lock(&self.state.rules).clear();
    }

    /// Every request seen so far, as `METHOD /path?query`, in arrival order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.state.requests).clone()
    }

    /// How many requests matching `method` and the regex `path` were seen.
    pub fn count(&self, method: &str, path: &str) -> usize {
        let re = Regex::new(path).expect("a valid path regex");
        self.requests()
            .iter()
            .filter(|r| {
                let (m, p) = r.split_once(' ').unwrap_or((r.as_str(), ""));
                (method == "*" || m.eq_ignore_ascii_case(method)) && re.is_match(p)
            })
            .count()
    }

    /// How many faults were applied so far.
    pub fn faults_applied(&self) -> usize {
        self.state.faults_applied.load(Ordering::SeqCst)
    }

    /// The engine goes away: cuts every open connection and refuses new ones (the socket file
    /// stays, so a client gets "connection refused"). Idempotent.
    pub fn stop(&self) {
        if let Some(tx) = lock(&self.stop).take() {
            let _ = tx.send(());
        }
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Listens on `socket` (replacing a stale socket file) from a thread of its own.
fn listen(
    socket: &Path,
    state: Arc<State>,
) -> std::io::Result<(
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
)> {
    let _ = std::fs::remove_file(socket);
    let std_listener = std::os::unix::net::UnixListener::bind(socket)?;
    std_listener.set_nonblocking(true)?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("fault-proxy".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the fault proxy");
            rt.block_on(serve(std_listener, state, stop_rx));
            rt.shutdown_background();
        })?;
    Ok((stop_tx, thread))
}

async fn serve(
    listener: std::os::unix::net::UnixListener,
    state: Arc<State>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = UnixListener::from_std(listener) else {
        return;
    };
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                connections.spawn(serve_connection(stream, state));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Closing the listener's socket without unlinking its file: connections are refused.
    drop(listener);
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

async fn serve_connection(stream: UnixStream, state: Arc<State>) {
    // Upgraded (exec) connections are copied by tasks of this connection's own set, so that
    // aborting the connection aborts them too.
    let upgrades = Arc::new(Mutex::new(tokio::task::JoinSet::new()));
    let service = {
        let upgrades = upgrades.clone();
        hyper::service::service_fn(move |req| handle(req, state.clone(), upgrades.clone()))
    };
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
    // The connection ended: wait for the upgraded copies (aborted with this task on stop).
    let set = std::mem::take(&mut *lock(&upgrades));
    set.join_all().await;
}

/// The fault for this request, if a rule takes it (counting the rule's skips and uses).
fn take_fault(state: &State, method: &str, path: &str) -> Option<Fault> {
    let mut rules = lock(&state.rules);
    for rule in rules.iter_mut() {
        if rule.times == 0
            || rule.method.as_deref().is_some_and(|m| m != method)
            || !rule.path.is_match(path)
        {
            continue;
        }
        if rule.skip > 0 {
            rule.skip -= 1;
            continue;
        }
        rule.times = rule.times.saturating_sub(1);
        state.faults_applied.fetch_add(1, Ordering::SeqCst);
        return Some(rule.fault.clone());
    }
    None
}

fn cut(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, why.to_string())
}

async fn handle(
    mut req: Request<Incoming>,
    state: Arc<State>,
    upgrades: Arc<Mutex<tokio::task::JoinSet<()>>>,
) -> Result<Response<Body>, std::io::Error> {
    let method = req.method().as_str().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    lock(&state.requests).push(format!("{method} {path}"));
    let fault = take_fault(&state, &method, &path);
    match &fault {
        Some(Fault::Drop) => return Err(cut("fault: drop the connection")),
        Some(Fault::Status(code, message)) => {
            let body = serde_json::json!({ "message": message }).to_string();
            let response = Response::builder()
                .status(*code)
                .header("content-type", "application/json")
                .body(
                    Full::new(Bytes::from(body))
                        .map_err(|never| match never {})
                        .boxed_unsync(),
                )
                .map_err(std::io::Error::other)?;
            return Ok(response);
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Hold(gate)) => gate.pass().await,
        _ => {}
    }
    let upstream = UnixStream::connect(ENGINE_SOCKET).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(upstream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection.with_upgrades());
    let client_upgrade = req
        .headers()
        .contains_key(hyper::header::UPGRADE)
        .then(|| hyper::upgrade::on(&mut req));
    let mut response = sender
        .send_request(req)
        .await
        .map_err(std::io::Error::other)?;
    if fault == Some(Fault::DropReply) {
        return Err(cut("fault: drop the reply"));
    }
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        let engine_upgrade = hyper::upgrade::on(&mut response);
        if let Some(client_upgrade) = client_upgrade {
            let stall = matches!(fault, Some(Fault::StallBody(_)));
            lock(&upgrades).spawn(async move {
                if let (Ok(client), Ok(engine)) = (client_upgrade.await, engine_upgrade.await) {
                    let (mut client, mut engine) = (TokioIo::new(client), TokioIo::new(engine));
                    if stall {
                        // Hold both ends open and pass nothing on (an exec's output stalls).
                        std::future::pending::<()>().await;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
                }
            });
        }
    }
    let (parts, body) = response.into_parts();
    let body: Body = match fault {
        Some(Fault::CutBody(after)) => limited(body, after, false),
        Some(Fault::StallBody(after)) => limited(body, after, true),
        _ => body.map_err(std::io::Error::other).boxed_unsync(),
    };
    Ok(Response::from_parts(parts, body))
}

/// The body up to `after` bytes (whole frames while under it, then the part of a frame that
/// reaches it), then an error (the connection is cut) or, when `stall`, nothing ever again.
fn limited(body: Incoming, after: usize, stall: bool) -> Body {
    let mut frames = BodyStream::new(body);
    let mut sent = 0usize;
    let mut done = false;
    let stream = futures_util::stream::poll_fn(move |cx| {
        use std::task::Poll;
        if done {
            return if stall {
                Poll::Pending
            } else {
                Poll::Ready(Some(Err(cut("fault: cut the reply body"))))
            };
        }
        match frames.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    if sent + data.len() < after {
                        sent += data.len();
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    done = true;
                    let keep = after - sent;
                    sent = after;
                    if keep > 0 {
                        return Poll::Ready(Some(Ok(Frame::data(data.slice(..keep)))));
                    }
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(std::io::Error::other(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    });
    BodyExt::boxed_unsync(StreamBody::new(stream))
}
