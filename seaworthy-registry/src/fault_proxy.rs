//! A fault-injecting HTTP/1.1 proxy in front of a plain-HTTP registry on 127.0.0.1, for the
//! retry and referrers tests: a rule matches requests by method and a substring of the path
//! (with the query), lets the first `skip` matches through, then answers `times` of them
//! itself ([`Fault`]): a status (with `Retry-After`), a dropped connection, or a canned answer
//! (a registry API that the registry behind lacks, such as the OCI referrers API).
//!
//! Every request is served on a connection of its own (`Connection: close` both ways), and the
//! `Host` header is passed on, so the registry's `Location` headers point at the proxy and
//! uploads go through it too. The proxy runs on its own thread; dropping it stops the thread.
//!
//! For a TLS registry, [`FaultProxy::start_relay`] passes bytes through unread and can only
//! cut connections: the first `drop` connections are closed as soon as they are accepted.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What a rule does to a request it matches (instead of forwarding it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status, with `Retry-After: VALUE` when given, and a registry error body.
    Status(u16, Option<String>),
    /// Close the connection without answering (the registry never sees the request).
    Drop,
    /// Answer `200` with this content type and body.
    Answer(String, Vec<u8>),
}

#[derive(Debug)]
struct Rule {
    method: Option<String>,
    path: String,
    skip: usize,
    times: usize,
    fault: Fault,
}

#[derive(Debug, Default)]
struct State {
    rules: Mutex<Vec<Rule>>,
    log: Mutex<Vec<String>>,
    /// Relay mode: how many connections are still to be cut (`None`: HTTP mode).
    relay_drops: Mutex<Option<usize>>,
}

/// The proxy: see the module docs.
#[derive(Debug)]
pub struct FaultProxy {
    /// The port on 127.0.0.1.
    pub port: u16,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on a free port of 127.0.0.1 in front of `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Self {
        Self::start_with(upstream, State::default())
    }

    /// Starts a byte-for-byte relay (for a TLS registry) that closes the first `drop`
    /// connections at once; they are logged as `CONNECTION -> dropped`, the others as
    /// `CONNECTION -> relayed`.
    pub fn start_relay(upstream: u16, drop: usize) -> Self {
        let state = State {
            relay_drops: Mutex::new(Some(drop)),
            ..State::default()
        };
        Self::start_with(upstream, state)
    }

    fn start_with(upstream: u16, state: State) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port for the proxy");
        let port = listener.local_addr().expect("the proxy's address").port();
        let state = Arc::new(state);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Ok(client) = client {
                        let state = state.clone();
                        std::thread::spawn(move || serve(client, upstream, &state));
                    }
                }
            })
        };
        Self {
            port,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Adds a rule: requests with `method` (any when `None`) whose path contains `path`; the
    /// first `skip` are forwarded, the next `times` get `fault`.
    pub fn on(&self, method: Option<&str>, path: &str, skip: usize, times: usize, fault: Fault) {
        self.state.rules.lock().expect("rules").push(Rule {
            method: method.map(str::to_owned),
            path: path.to_owned(),
            skip,
            times,
            fault,
        });
    }

    /// Every request so far, as `METHOD PATH -> forwarded` or `METHOD PATH -> FAULT`.
    pub fn log(&self) -> Vec<String> {
        self.state.log.lock().expect("log").clone()
    }

    /// How many requests so far had `method` and a path containing `path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.log()
            .iter()
            .filter(|line| {
                line.starts_with(&format!("{method} "))
                    && line.split(" -> ").next().is_some_and(|p| p.contains(path))
            })
            .count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request: its head (as text) and its body (`Content-Length` bytes).
fn read_request(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = client.read(&mut buffer).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        // A TLS handshake (the client tries https first on loopback): close, so that it
        // falls back to plain HTTP.
        if data.first() == Some(&0x16) {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = client.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..n]);
    }
    Some((head, body))
}

/// Relay mode: cut the connection, or copy bytes both ways until either side closes.
fn relay(client: TcpStream, upstream: u16, state: &State, drop: bool) {
    let outcome = if drop { "dropped" } else { "relayed" };
    state
        .log
        .lock()
        .expect("log")
        .push(format!("CONNECTION -> {outcome}"));
    if drop {
        return;
    }
    let Ok(registry) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (Ok(mut client_in), Ok(mut registry_out)) = (client.try_clone(), registry.try_clone())
    else {
        return;
    };
    let upload = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut registry_out);
        let _ = registry_out.shutdown(std::net::Shutdown::Write);
    });
    let (mut registry_in, mut client_out) = (registry, client);
    let _ = std::io::copy(&mut registry_in, &mut client_out);
    let _ = client_out.shutdown(std::net::Shutdown::Both);
    let _ = upload.join();
}

fn serve(mut client: TcpStream, upstream: u16, state: &State) {
    let relay_drop = state
        .relay_drops
        .lock()
        .expect("drops")
        .as_mut()
        .map(|left| {
            let drop = *left > 0;
            *left = left.saturating_sub(1);
            drop
        });
    if let Some(drop) = relay_drop {
        return relay(client, upstream, state, drop);
    }
    let Some((head, body)) = read_request(&mut client) else {
        return;
    };
    let mut request_line = head.lines().next().unwrap_or("").split_whitespace();
    let method = request_line.next().unwrap_or("").to_owned();
    let path = request_line.next().unwrap_or("").to_owned();
    let fault = {
        let mut rules = state.rules.lock().expect("rules");
        rules
            .iter_mut()
            .find(|rule| {
                rule.method.as_deref().is_none_or(|m| m == method)
                    && path.contains(&rule.path)
                    && (rule.skip > 0 || rule.times > 0)
            })
            .and_then(|rule| {
                if rule.skip > 0 {
                    rule.skip -= 1;
                    None
                } else {
                    rule.times -= 1;
                    Some(rule.fault.clone())
                }
            })
    };
    let outcome = match &fault {
        None => "forwarded".to_owned(),
        Some(Fault::Status(status, _)) => status.to_string(),
        Some(Fault::Drop) => "dropped".to_owned(),
        Some(Fault::Answer(..)) => "answered".to_owned(),
    };
    state
        .log
        .lock()
        .expect("log")
        .push(format!("{method} {path} -> {outcome}"));
    let answer = |status: u16, headers: &str, body: &[u8]| {
        let mut out = format!(
            "HTTP/1.1 {status} Injected\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
            body.len()
        )
        .into_bytes();
        if method != "HEAD" {
            out.extend_from_slice(body);
        }
        out
    };
    let reply = match fault {
        Some(Fault::Drop) => return,
        Some(Fault::Status(status, retry_after)) => {
            let headers = retry_after
                .map(|value| format!("Retry-After: {value}\r\n"))
                .unwrap_or_default();
            let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"injected by the fault proxy"}]}"#;
            answer(
                status,
                &format!("{headers}Content-Type: application/json\r\n"),
                body,
            )
        }
        Some(Fault::Answer(content_type, body)) => {
            answer(200, &format!("Content-Type: {content_type}\r\n"), &body)
        }
        None => {
            let Ok(mut registry) = TcpStream::connect(("127.0.0.1", upstream)) else {
                return;
            };
            let mut forwarded: String = head
                .lines()
                .filter(|line| {
                    !line
                        .split_once(':')
                        .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("connection"))
                })
                .map(|line| format!("{line}\r\n"))
                .collect();
            forwarded.push_str("Connection: close\r\n\r\n");
            if registry.write_all(forwarded.as_bytes()).is_err()
                || registry.write_all(&body).is_err()
            {
                return;
            }
            let mut reply = Vec::new();
            let _ = registry.read_to_end(&mut reply);
            reply
        }
    };
    let _ = client.write_all(&reply);
    let _ = client.shutdown(std::net::Shutdown::Both);
}
