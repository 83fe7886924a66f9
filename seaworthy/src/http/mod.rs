//! An HTTP client bound to one published port of a container.
//!
//! [`ContainerHttpClient`] turns paths into URLs on the container's published address, so a
//! test writes `client.get("/admin/")` instead of assembling `http://127.0.0.1:49153/admin/`.
//! It never follows redirects (a test wants to see the `302`, not the login page behind it) and
//! never goes through a proxy (the container is on 127.0.0.1, whatever `HTTP_PROXY` says).
//! [`ContainerHttpClient::wait_for_response`] polls until the server answers, for readiness
//! checks.
//!
//! This is Python Seaworthy's `ContainerHttpClient` and `wait_for_response`.
//!
//! ```
//! use seaworthy::http::ContainerHttpClient;
//!
//! let client = ContainerHttpClient::new("127.0.0.1", 49153);
//! assert_eq!(client.url("/admin/").as_str(), "http://127.0.0.1:49153/admin/");
//! assert_eq!(client.url("static/app.css?v=2").as_str(), "http://127.0.0.1:49153/static/app.css?v=2");
//! ```

use std::net::Ipv6Addr;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};

mod error;

use error::HttpWaitErrorInner;
pub use error::{HttpWaitError, LastAttempt};

/// The longest one attempt of [`ContainerHttpClient::wait_for_response`] waits for an answer
/// before it is abandoned and the request sent again.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`ContainerHttpClient::wait_for_response`] sleeps between attempts.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A host that cannot be put in a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("build a URL for host `{host}`: {reason}\n(hint: pass an IP address or a DNS name)")]
pub struct InvalidHostError {
    host: String,
    reason: String,
}

impl InvalidHostError {
    /// The host as given.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// An HTTP client for one address, usually a container's published port.
///
/// Cloning is cheap and clones share the underlying [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct ContainerHttpClient {
    client: reqwest::Client,
    base: Url,
}

impl ContainerHttpClient {
    /// A client for `http://host:port/`.
    ///
    /// `host` is an IP address (IPv6 with or without brackets) or a DNS name; an empty host,
    /// which Docker can report for a published port, means `127.0.0.1`.
    ///
    /// # Panics
    ///
    /// When `host` cannot be part of a URL (say it contains a space or a `/`), or when the
    /// HTTP client cannot be built (no TLS backend). Use [`try_new`](Self::try_new) for a host
    /// that does not come from Docker.
    pub fn new(host: &str, port: u16) -> ContainerHttpClient {
        match ContainerHttpClient::try_new(host, port) {
            Ok(client) => client,
            Err(err) => panic!("{err}"),
        }
    }

    /// Like [`new`](Self::new), but returns an error for a host that cannot be part of a URL.
    ///
    /// ```
    /// # use seaworthy::http::ContainerHttpClient;
    /// let client = ContainerHttpClient::try_new("::1", 8080)?;
    /// assert_eq!(client.base_url().as_str(), "http://[::1]:8080/");
    /// assert!(ContainerHttpClient::try_new("no such host", 80).is_err());
    /// # Ok::<(), seaworthy::http::InvalidHostError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidHostError`] when `host` cannot be part of a URL.
    pub fn try_new(host: &str, port: u16) -> Result<ContainerHttpClient, InvalidHostError> {
        let url_host = if host.is_empty() {
            "127.0.0.1".to_owned()
        } else if host.parse::<Ipv6Addr>().is_ok() {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let invalid = |reason: String| InvalidHostError {
            host: host.to_owned(),
            reason,
        };
        // Parse the host on its own first: a `/`, `?` or `@` in it would otherwise be taken for
        // part of a valid URL with another host.
        if url_host.contains(['/', '?', '#', '@', '\\']) {
            return Err(invalid("it contains a URL delimiter".to_owned()));
        }
        let url = Url::parse(&format!("http://{url_host}:{port}/"))
            .map_err(|err| invalid(err.to_string()))?;
        Ok(ContainerHttpClient::from_base_url(url))
    }

    /// A client for paths under `url`, which may set the scheme, a base path (relative paths
    /// are appended to it), a query and a fragment that [`url`](Self::url) keeps when the path
    /// has none.
    ///
    /// ```
    /// # use seaworthy::http::ContainerHttpClient;
    /// let base = "https://127.0.0.1:8443/api#top".parse()?;
    /// let client = ContainerHttpClient::from_base_url(base);
    /// assert_eq!(client.url("v1/items").as_str(), "https://127.0.0.1:8443/api/v1/items#top");
    /// assert_eq!(client.url("/health").as_str(), "https://127.0.0.1:8443/health#top");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Panics
    ///
    /// When the HTTP client cannot be built (no TLS backend).
    pub fn from_base_url(url: Url) -> ContainerHttpClient {
        ContainerHttpClient {
            client: default_client(),
            base: url,
        }
    }

    /// Uses `client` for requests instead of the default one.
    ///
    /// The default client follows no redirects, uses no proxy and keeps no idle connections
    /// (so that one client can be used from the runtimes of several tests). A client given here
    /// is used as it is.
    pub fn with_client(mut self, client: reqwest::Client) -> ContainerHttpClient {
        self.client = client;
        self
    }

    /// The base URL, such as `http://127.0.0.1:49153/`.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The underlying client, for requests this type has no shortcut for.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The URL of `path`.
    ///
    /// - `""` is the base URL itself.
    /// - A path starting with `/` replaces the base path, exactly as written: a trailing slash
    ///   or double slashes (`//a//b`) are kept.
    /// - Any other path is appended to the base path (`bar/baz` under `/foo` is `/foo/bar/baz`).
    /// - A query (`?a=b`) or fragment (`#x`) in `path` replaces the base URL's; without one the
    ///   base URL's are kept.
    ///
    /// Characters not allowed in a URL, such as spaces, are percent-encoded.
    ///
    /// ```
    /// # use seaworthy::http::ContainerHttpClient;
    /// let client = ContainerHttpClient::new("127.0.0.1", 8080);
    /// assert_eq!(client.url("").as_str(), "http://127.0.0.1:8080/");
    /// assert_eq!(client.url("//a//b").as_str(), "http://127.0.0.1:8080//a//b");
    /// assert_eq!(client.url("/search?q=a b").as_str(), "http://127.0.0.1:8080/search?q=a%20b");
    /// ```
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let (rest, fragment) = match path.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (path, None),
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        if path.starts_with('/') {
            url.set_path(path);
        } else if !path.is_empty() {
            let base_path = self.base.path();
            let base_path = base_path.strip_suffix('/').unwrap_or(base_path);
            url.set_path(&format!("{base_path}/{path}"));
        }
        if query.is_some() {
            url.set_query(query);
        }
        if fragment.is_some() {
            url.set_fragment(fragment);
        }
        url
    }

    /// A request with `method` for `path` (see [`url`](Self::url)), to finish and `send()`.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), reqwest::Error> {
    /// # use seaworthy::http::ContainerHttpClient;
    /// let client = ContainerHttpClient::new("127.0.0.1", 8080);
    /// let response = client.request(reqwest::Method::PUT, "/items/1").body("x").send().await?;
    /// assert_eq!(response.status(), 204);
    /// # Ok(())
    /// # }
    /// ```
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A `GET` request for `path`.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// A `HEAD` request for `path`.
    pub fn head(&self, path: &str) -> RequestBuilder {
        self.request(Method::HEAD, path)
    }

    /// A `POST` request for `path`.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// A `PUT` request for `path`.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// A `PATCH` request for `path`.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// A `DELETE` request for `path`.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// An `OPTIONS` request for `path`.
    pub fn options(&self, path: &str) -> RequestBuilder {
        self.request(Method::OPTIONS, path)
    }

    /// Sends `GET path` every 100 ms until the server answers (with
    /// `expected_status`, when given) or `timeout` has passed, and returns that response.
    ///
    /// Redirects are not followed, so a `302` is an answer. Connection errors (the server is
    /// not listening yet, or drops the connection) are retried. Each attempt may take at most
    /// 5 s (then the request is sent again: one stuck in a proxy while its upstream starts does
    /// not hold the whole deadline) and no more than the time left, and a last attempt is made
    /// at the deadline. The response body is not bound by the deadline.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), seaworthy::http::HttpWaitError> {
    /// # use std::time::Duration;
    /// # use seaworthy::http::ContainerHttpClient;
    /// let client = ContainerHttpClient::new("127.0.0.1", 8080);
    /// let response = client
    ///     .wait_for_response(Duration::from_secs(10), "/health", Some(seaworthy::reqwest::StatusCode::OK))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`HttpWaitError`], saying what the last attempt got, when no attempt succeeded in time.
    pub async fn wait_for_response(
        &self,
        timeout: Duration,
        path: &str,
        expected_status: Option<StatusCode>,
    ) -> Result<Response, HttpWaitError> {
        let url = self.url(path);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut attempts = 0;
        let mut previous: Option<LastAttempt> = None;
        let last = loop {
            attempts += 1;
            let remaining = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .max(Duration::from_millis(1));
            // One attempt waits at most ATTEMPT_TIMEOUT: a request stuck in a proxy (nginx in
            // front of an upstream still starting) is abandoned and sent again, rather than
            // holding the whole deadline.
            let capped = remaining > ATTEMPT_TIMEOUT;
            // `tokio::time::timeout` rather than the request's own timeout, which would also
            // bound reading the body after this function has returned.
            let sent = tokio::time::timeout(
                remaining.min(ATTEMPT_TIMEOUT),
                self.client.get(url.clone()).send(),
            )
            .await;
            let last = match sent {
                Ok(Ok(response)) => {
                    if expected_status.is_none_or(|status| status == response.status()) {
                        return Ok(response);
                    }
                    LastAttempt::Status(response.status())
                }
                Ok(Err(err)) => LastAttempt::Error(describe_request_error(&err)),
                // The attempt at the deadline may get only a millisecond: its timing out says
                // less than what an earlier attempt got (a wrong status, a refused connection).
                Err(_) if capped => LastAttempt::NoResponse,
                Err(_) => previous.take().unwrap_or(LastAttempt::NoResponse),
            };
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break last;
            }
            previous = Some(last);
            tokio::time::sleep(POLL_INTERVAL.min(deadline - now)).await;
        };
        Err(HttpWaitError {
            inner: Box::new(HttpWaitErrorInner {
                url,
                timeout,
                expected_status,
                attempts,
                last,
            }),
        })
    }
}

fn default_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        // Pooled connections belong to the runtime that opened them; a container shared by
        // tests on different runtimes would hit dead connections. Fresh ones are cheap locally.
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_else(|err| panic!("failed to build the HTTP client: {err}"))
}

/// The innermost cause of a request error (`Connection refused (os error 111)`), which says
/// more than reqwest's own "error sending request for url (…)".
fn describe_request_error(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    if err.is_connect() {
        format!("connection failed: {cause}")
    } else {
        cause.to_string()
    }
}

#[cfg(test)]
mod should {
    use super::*;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    // ---- URLs -------------------------------------------------------------------------

    #[test]
    fn build_urls_from_paths() {
        let client = ContainerHttpClient::new("127.0.0.1", 12345);
        for (path, url) in [
            ("", "http://127.0.0.1:12345/"),
            ("/", "http://127.0.0.1:12345/"),
            ("/a/b/c", "http://127.0.0.1:12345/a/b/c"),
            ("a/b/c", "http://127.0.0.1:12345/a/b/c"),
            ("/a/b/c/", "http://127.0.0.1:12345/a/b/c/"),
            ("//a//b", "http://127.0.0.1:12345//a//b"),
            ("/x?a=b&c=d", "http://127.0.0.1:12345/x?a=b&c=d"),
            ("x?a=b", "http://127.0.0.1:12345/x?a=b"),
            ("?a=b", "http://127.0.0.1:12345/?a=b"),
            ("/x?", "http://127.0.0.1:12345/x?"),
            ("/x#frag", "http://127.0.0.1:12345/x#frag"),
            ("/x?q=1#frag", "http://127.0.0.1:12345/x?q=1#frag"),
            ("/a b", "http://127.0.0.1:12345/a%20b"),
            ("/caf\u{e9}", "http://127.0.0.1:12345/caf%C3%A9"),
            (
                "/already%20encoded",
                "http://127.0.0.1:12345/already%20encoded",
            ),
            ("/../etc", "http://127.0.0.1:12345/etc"),
        ] {
            assert_eq!(client.url(path).as_str(), url, "path {path:?}");
        }
    }

    #[test]
    fn build_urls_under_a_base_url() {
        // Python's url_defaults: scheme, path and fragment.
        let base: Url = "https://127.0.0.1:12345/foo#test"
            .parse()
            .expect("valid URL");
        let client = ContainerHttpClient::from_base_url(base);
        for (path, url) in [
            ("", "https://127.0.0.1:12345/foo#test"),
            ("bar/baz", "https://127.0.0.1:12345/foo/bar/baz#test"),
            ("/foobar", "https://127.0.0.1:12345/foobar#test"),
            ("/baz?foo=bar", "https://127.0.0.1:12345/baz?foo=bar#test"),
            ("bar#other", "https://127.0.0.1:12345/foo/bar#other"),
        ] {
            assert_eq!(client.url(path).as_str(), url, "path {path:?}");
        }
        let client =
            ContainerHttpClient::from_base_url("http://h:1/foo/?k=v".parse().expect("valid URL"));
        assert_eq!(client.url("bar").as_str(), "http://h:1/foo/bar?k=v");
        assert_eq!(client.url("/x?a=b").as_str(), "http://h:1/x?a=b");
        assert_eq!(client.base_url().as_str(), "http://h:1/foo/?k=v");
    }

    #[test]
    fn accept_hosts() {
        for (host, port, base) in [
            ("127.0.0.1", 80, "http://127.0.0.1/"),
            ("127.0.0.1", 8080, "http://127.0.0.1:8080/"),
            ("0.0.0.0", 1, "http://0.0.0.0:1/"),
            ("::1", 8080, "http://[::1]:8080/"),
            ("::", 8080, "http://[::]:8080/"),
            ("[::1]", 8080, "http://[::1]:8080/"),
            ("localhost", 8080, "http://localhost:8080/"),
            ("", 8080, "http://127.0.0.1:8080/"),
        ] {
            let client = ContainerHttpClient::try_new(host, port).expect("valid host");
            assert_eq!(client.base_url().as_str(), base, "host {host:?}");
        }
    }

    #[test]
    fn reject_invalid_hosts() {
        for (host, reason) in [
            ("a b", "invalid international domain name"),
            ("evil.com/x", "it contains a URL delimiter"),
            ("user@evil.com", "it contains a URL delimiter"),
            ("h?x", "it contains a URL delimiter"),
            ("[::1", "invalid IPv6 address"),
            ("1.2.3.4:80", "invalid port number"),
        ] {
            let err = ContainerHttpClient::try_new(host, 80).expect_err(host);
            assert_eq!(err.host(), host);
            assert_eq!(
                err.to_string(),
                format!("build a URL for host `{host}`: {reason}\n(hint: pass an IP address or a DNS name)")
            );
        }
    }

    // ---- A minimal HTTP/1.1 server ---------------------------------------------------

    /// What the test server does with the n-th request.
    #[derive(Clone)]
    enum Reply {
        /// Answers with this status (and these headers), body `ok` except for HEAD.
        Status(u16, &'static [(&'static str, &'static str)]),
        /// Closes the connection without answering.
        Close,
        /// Answers after a delay.
        Late(Duration, u16),
        /// Sends the headers at once and the body `ok` after a delay.
        SlowBody(Duration),
    }

    struct Server {
        addr: SocketAddr,
        /// The request heads received (request line and headers), in order.
        requests: Arc<Mutex<Vec<String>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Server {
        fn client(&self) -> ContainerHttpClient {
            ContainerHttpClient::new(&self.addr.ip().to_string(), self.addr.port())
        }

        fn request_lines(&self) -> Vec<String> {
            self.requests
                .lock()
                .expect("lock")
                .iter()
                .map(|head| head.lines().next().unwrap_or_default().to_owned())
                .collect()
        }

        fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn serve(reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(reply);
        let seen = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                let reply = Arc::clone(&reply);
                tokio::spawn(async move {
                    let _ = handle(stream, &seen, &*reply).await;
                });
            }
        });
        Server {
            addr,
            requests,
            task,
        }
    }

    async fn handle(
        mut stream: TcpStream,
        seen: &Mutex<Vec<String>>,
        reply: &(dyn Fn(usize) -> Reply + Send + Sync),
    ) -> std::io::Result<()> {
        let mut head = Vec::new();
        let mut buf = [0; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            head.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let is_head = head.starts_with("HEAD ");
        let index = {
            let mut seen = seen.lock().expect("lock");
            seen.push(head);
            seen.len() - 1
        };
        let respond = |status: u16, headers: &[(&str, &str)], body: bool| {
            let mut text =
                format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 2\r\nConnection: close\r\n");
            for (name, value) in headers {
                text.push_str(&format!("{name}: {value}\r\n"));
            }
            text.push_str("\r\n");
            if body {
                text.push_str("ok");
            }
            text
        };
        match reply(index) {
            Reply::Status(status, headers) => {
                stream
                    .write_all(respond(status, headers, !is_head).as_bytes())
                    .await?
            }
            Reply::Close => {}
            Reply::Late(delay, status) => {
                tokio::time::sleep(delay).await;
                stream
                    .write_all(respond(status, &[], !is_head).as_bytes())
                    .await?;
            }
            Reply::SlowBody(delay) => {
                stream
                    .write_all(respond(200, &[], false).as_bytes())
                    .await?;
                stream.flush().await?;
                tokio::time::sleep(delay).await;
                stream.write_all(b"ok").await?;
            }
        }
        stream.shutdown().await
    }

    /// A port nothing listens on.
    async fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        listener.local_addr().expect("local address").port()
    }

    // ---- Requests --------------------------------------------------------------------

    #[tokio::test]
    async fn request_the_base_url_by_default() {
        let server = serve(|_| Reply::Status(200, &[])).await;
        let response = server
            .client()
            .request(Method::GET, "")
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.expect("body"), "ok");
        assert_eq!(server.request_lines(), ["GET / HTTP/1.1"]);
        let head = server.requests.lock().expect("lock")[0].to_ascii_lowercase();
        assert!(
            head.contains(&format!("\r\nhost: {}\r\n", server.addr)),
            "{head}"
        );
    }

    #[tokio::test]
    async fn send_each_method() {
        const STATUSES: [u16; 7] = [200, 201, 403, 404, 418, 501, 503];
        let server = serve(|n| Reply::Status(STATUSES[n % STATUSES.len()], &[])).await;
        let client = server.client();
        let requests = [
            client.get(""),
            client.options("/foo"),
            client.head("/bar"),
            client.post("/baz"),
            client.put("/test"),
            client.patch("/a/b/c"),
            client.delete("/d/e/f"),
        ];
        let mut statuses = Vec::new();
        for request in requests {
            // One at a time, so that the server sees them in this order.
            statuses.push(request.send().await.expect("response").status().as_u16());
        }
        assert_eq!(statuses, STATUSES);
        assert_eq!(
            server.request_lines(),
            [
                "GET / HTTP/1.1",
                "OPTIONS /foo HTTP/1.1",
                "HEAD /bar HTTP/1.1",
                "POST /baz HTTP/1.1",
                "PUT /test HTTP/1.1",
                "PATCH /a/b/c HTTP/1.1",
                "DELETE /d/e/f HTTP/1.1",
            ]
        );
    }

    #[tokio::test]
    async fn send_paths_as_written() {
        let server = serve(|_| Reply::Status(200, &[])).await;
        let client = server.client();
        for path in ["//a//b", "/a/b/c/", "/x?a=b", "rel/path", "/a%2Fb"] {
            client.get(path).send().await.expect("response");
        }
        client
            .get("/q")
            .query(&[("foo", "bar")])
            .send()
            .await
            .expect("response");
        assert_eq!(
            server.request_lines(),
            [
                "GET //a//b HTTP/1.1",
                "GET /a/b/c/ HTTP/1.1",
                "GET /x?a=b HTTP/1.1",
                "GET /rel/path HTTP/1.1",
                "GET /a%2Fb HTTP/1.1",
                "GET /q?foo=bar HTTP/1.1",
            ]
        );
    }

    #[tokio::test]
    async fn not_follow_redirects() {
        let server = serve(|_| Reply::Status(302, &[("Location", "/accounts/login/")])).await;
        let response = server
            .client()
            .get("/admin/")
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 302);
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/accounts/login/")
        );
        assert_eq!(server.request_lines(), ["GET /admin/ HTTP/1.1"]);
    }

    #[tokio::test]
    async fn use_a_given_client() {
        let server = serve(|n| {
            if n == 0 {
                Reply::Status(302, &[("Location", "/next")])
            } else {
                Reply::Status(200, &[])
            }
        })
        .await;
        let following = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let client = server.client().with_client(following);
        let response = client.get("/start").send().await.expect("response");
        assert_eq!(response.status(), 200);
        assert_eq!(
            server.request_lines(),
            ["GET /start HTTP/1.1", "GET /next HTTP/1.1"]
        );
        assert_eq!(
            client
                .client()
                .get(server.url("/raw"))
                .send()
                .await
                .expect("response")
                .status(),
            200
        );
    }

    // ---- wait_for_response -----------------------------------------------------------

    #[tokio::test]
    async fn return_the_first_response() {
        let server = serve(|_| Reply::Status(200, &[])).await;
        let response = server
            .client()
            .wait_for_response(Duration::from_secs(5), "/", None)
            .await
            .expect("response");
        assert_eq!(response.status(), 200);
        assert_eq!(server.request_lines(), ["GET / HTTP/1.1"]);
    }

    #[tokio::test]
    async fn return_any_status_without_an_expected_one() {
        for status in [200, 302, 404, 503] {
            let server = serve(move |_| Reply::Status(status, &[("Location", "/elsewhere")])).await;
            let response = server
                .client()
                .wait_for_response(Duration::from_secs(5), "/health", None)
                .await
                .expect("response");
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(server.request_lines(), ["GET /health HTTP/1.1"]);
        }
    }

    #[tokio::test]
    async fn return_the_expected_status() {
        let server = serve(|_| Reply::Status(200, &[])).await;
        let response = server
            .client()
            .wait_for_response(Duration::from_secs(5), "/", Some(StatusCode::OK))
            .await
            .expect("response");
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn retry_until_the_expected_status() {
        let server = serve(|n| Reply::Status(if n < 2 { 503 } else { 200 }, &[])).await;
        let started = Instant::now();
        let response = server
            .client()
            .wait_for_response(Duration::from_secs(5), "/ready", Some(StatusCode::OK))
            .await
            .expect("response");
        let elapsed = started.elapsed();
        assert_eq!(response.status(), 200);
        assert_eq!(server.request_lines(), ["GET /ready HTTP/1.1"; 3]);
        assert!(elapsed >= 2 * POLL_INTERVAL, "{elapsed:?}");
    }

    #[tokio::test]
    async fn retry_after_a_dropped_connection() {
        let server = serve(|n| {
            if n == 0 {
                Reply::Close
            } else {
                Reply::Status(200, &[])
            }
        })
        .await;
        let started = Instant::now();
        let response = server
            .client()
            .wait_for_response(Duration::from_secs(5), "/", None)
            .await
            .expect("response");
        let elapsed = started.elapsed();
        assert_eq!(response.status(), 200);
        assert_eq!(server.request_lines().len(), 2);
        assert!(elapsed >= POLL_INTERVAL, "{elapsed:?}");
    }

    #[tokio::test]
    async fn retry_until_the_server_listens() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local address");
        drop(listener);
        let client = ContainerHttpClient::new("127.0.0.1", addr.port());
        let wait = tokio::spawn(async move {
            client
                .wait_for_response(Duration::from_secs(5), "/", None)
                .await
        });
        tokio::time::sleep(3 * POLL_INTERVAL).await;
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind the same port again");
        let (mut stream, _) = listener.accept().await.expect("a retried connection");
        let mut buf = [0; 1024];
        let _ = stream.read(&mut buf).await.expect("request");
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let response = wait.await.expect("task").expect("response");
        assert_eq!(response.status(), 204);
    }

    #[tokio::test]
    async fn time_out_on_connection_errors() {
        let port = closed_port().await;
        let client = ContainerHttpClient::new("127.0.0.1", port);
        let started = Instant::now();
        let err = client
            .wait_for_response(Duration::from_millis(300), "/", None)
            .await
            .expect_err("nothing listens");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(
            (2..=6).contains(&err.attempts()),
            "{} attempts",
            err.attempts()
        );
        assert_eq!(err.url().as_str(), format!("http://127.0.0.1:{port}/"));
        assert_eq!(err.timeout(), Duration::from_millis(300));
        assert_eq!(err.expected_status(), None);
        assert_eq!(
            err.to_string(),
            format!(
                "timed out after 0.3s waiting for `http://127.0.0.1:{port}/` to answer \
                 (last: connection failed: Connection refused (os error 111))\n\
                 (hint: is the server up, and listening on `0.0.0.0` rather than `127.0.0.1` \
                 inside the container?)"
            )
        );
    }

    #[tokio::test]
    async fn time_out_on_an_unexpected_status() {
        let server = serve(|_| Reply::Status(503, &[])).await;
        let started = Instant::now();
        let err = server
            .client()
            .wait_for_response(Duration::from_millis(300), "/health", Some(StatusCode::OK))
            .await
            .expect_err("always 503");
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert_eq!(
            err.last(),
            &LastAttempt::Status(StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(err.expected_status(), Some(StatusCode::OK));
        // The attempt at the deadline may get only a millisecond, too little for the server to
        // read its request: every attempt but that one reached the server.
        let seen = server.request_lines().len() as u32;
        assert!(
            seen == err.attempts() || seen + 1 == err.attempts(),
            "the server saw {seen} requests for {} attempts",
            err.attempts()
        );
        assert_eq!(
            err.to_string(),
            format!(
                "timed out after 0.3s waiting for `{}` to answer with status 200 (last: status 503)",
                server.url("/health")
            )
        );
    }

    #[tokio::test]
    async fn time_out_on_a_server_that_does_not_answer() {
        let server = serve(|_| Reply::Late(Duration::from_secs(10), 200)).await;
        let started = Instant::now();
        let err = server
            .client()
            .wait_for_response(Duration::from_millis(300), "/", None)
            .await
            .expect_err("too slow");
        let elapsed = started.elapsed();
        // One attempt takes all the time; the last one gets a millisecond.
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(err.attempts() <= 2, "{} attempts", err.attempts());
        assert_eq!(err.last(), &LastAttempt::NoResponse);
        assert_eq!(
            err.to_string(),
            format!(
                "timed out after 0.3s waiting for `{}` to answer (last: no response before the deadline)",
                server.url("/")
            )
        );
    }

    #[tokio::test]
    async fn try_once_with_a_zero_timeout() {
        let port = closed_port().await;
        let err = ContainerHttpClient::new("127.0.0.1", port)
            .wait_for_response(Duration::ZERO, "/", None)
            .await
            .expect_err("nothing listens");
        assert_eq!(err.attempts(), 1);
        assert!(
            err.to_string()
                .starts_with("timed out after 0s waiting for"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn leave_the_body_unbounded_by_the_deadline() {
        let server = serve(|_| Reply::SlowBody(Duration::from_millis(500))).await;
        let response = server
            .client()
            .wait_for_response(Duration::from_millis(200), "/", None)
            .await
            .expect("headers arrive at once");
        assert_eq!(
            response.text().await.expect("the body, after the deadline"),
            "ok"
        );
    }

    #[test]
    fn display_last_attempts() {
        assert_eq!(
            LastAttempt::Status(StatusCode::IM_A_TEAPOT).to_string(),
            "status 418"
        );
        assert_eq!(LastAttempt::Error("boom".into()).to_string(), "boom");
        assert_eq!(
            LastAttempt::NoResponse.to_string(),
            "no response before the deadline"
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// Clients for a few base URLs: with and without a base path, a trailing slash, a query
    /// and a fragment (built once: a client is not cheap).
    static CLIENTS: LazyLock<Vec<ContainerHttpClient>> = LazyLock::new(|| {
        let mut clients = vec![ContainerHttpClient::new("127.0.0.1", 49153)];
        clients.extend(
            [
                "http://[::1]:8080/b",
                "https://localhost:8443/b/",
                "http://h:1/b/c?k=v",
                "http://127.0.0.1:2/b#top",
            ]
            .map(|base| ContainerHttpClient::from_base_url(base.parse().expect("valid URL"))),
        );
        clients
    });

    fn client() -> impl Strategy<Value = &'static ContainerHttpClient> {
        (0..CLIENTS.len()).prop_map(|i| &CLIENTS[i])
    }

    /// A path segment with characters that need encoding (space, quotes, `<`, non-ASCII) and
    /// some that do not, but no `%` (kept as written), `?`, `#`, `\` or a dot segment.
    fn segment() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 ._~!$&'()*+,;=:@<>\"{}|^`é✓-]{1,6}"
            .prop_filter("no dot segments", |s| s != "." && s != "..")
    }

    /// A path as a test writes it: absolute or relative segments, maybe a trailing slash, maybe
    /// a query and a fragment.
    #[derive(Debug, Clone)]
    struct Path {
        absolute: bool,
        segments: Vec<String>,
        trailing_slash: bool,
        query: Option<String>,
        fragment: Option<String>,
    }

    impl Path {
        fn path(&self) -> String {
            let mut path = self.segments.join("/");
            if self.trailing_slash && !path.is_empty() {
                path.push('/');
            }
            if self.absolute {
                path.insert(0, '/');
            }
            path
        }

        fn written(&self) -> String {
            let mut written = self.path();
            if let Some(query) = &self.query {
                written.push_str(&format!("?{query}"));
            }
            if let Some(fragment) = &self.fragment {
                written.push_str(&format!("#{fragment}"));
            }
            written
        }
    }

    fn path() -> impl Strategy<Value = Path> {
        (
            any::<bool>(),
            prop::collection::vec(segment(), 0..4),
            any::<bool>(),
            prop::option::of("[a-z0-9=&]{0,6}"),
            prop::option::of("[a-z0-9]{0,6}"),
        )
            .prop_map(
                |(absolute, segments, trailing_slash, query, fragment)| Path {
                    absolute,
                    segments,
                    trailing_slash,
                    query,
                    fragment,
                },
            )
    }

    proptest! {
        /// The joined URL has the path as written (absolute: instead of the base path;
        /// relative: appended to it; empty: the base path), percent-encoded where needed; the
        /// path's query and fragment, or else the base URL's.
        #[test]
        fn join_paths_as_written(client in client(), path in path()) {
            let base = client.base_url();
            let url = client.url(&path.written());
            let written = path.path();
            let expected_path = if written.is_empty() {
                base.path().to_owned()
            } else if path.absolute {
                written
            } else {
                let base_path = base.path();
                format!("{}/{written}", base_path.strip_suffix('/').unwrap_or(base_path))
            };
            let decoded = percent_decode_str(url.path()).decode_utf8().expect("UTF-8 path");
            prop_assert_eq!(decoded.as_ref(), expected_path.as_str());
            prop_assert_eq!(url.query(), path.query.as_deref().or(base.query()));
            prop_assert_eq!(url.fragment(), path.fragment.as_deref().or(base.fragment()));
        }

        /// No path, however odd (`//other.host/`, `\`, `@`, `..`, `:`), leaves the base URL's
        /// scheme, host and port.
        #[test]
        fn stay_on_the_base_host(client in client(), path in "[a-z/\\\\@:.?#% ]{0,12}") {
            let base = client.base_url();
            let url = client.url(&path);
            prop_assert_eq!(url.scheme(), base.scheme());
            prop_assert_eq!(url.host_str(), base.host_str());
            prop_assert_eq!(url.port(), base.port());
            prop_assert_eq!(url.username(), "");
            prop_assert_eq!(url.password(), None);
        }
    }
}
