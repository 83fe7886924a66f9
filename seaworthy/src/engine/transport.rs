//! Telling a transport failure (the engine closed or refused the connection, or did not
//! answer) from an answer of the engine, in bollard's errors.

/// Why a call failed in transport, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// The engine closed the connection (before or while answering).
    Closed,
    /// Nothing listens at the engine's address.
    Refused,
    /// The engine's socket file does not exist.
    NoSocket,
    /// The engine did not answer in time.
    TimedOut,
}

impl Transport {
    /// What happened, for a message: the address is the engine's, as `DOCKER_HOST` spells it.
    pub(crate) fn describe(self, address: &str) -> String {
        match self {
            Transport::Closed => "the engine closed the connection".to_string(),
            Transport::Refused => format!("connection refused at `{address}`"),
            Transport::NoSocket => format!("no engine socket at `{address}`"),
            Transport::TimedOut => "the engine did not answer in time".to_string(),
        }
    }
}

/// The transport failure under a bollard error, or `None` for an answer of the engine (an HTTP
/// status) and for errors of the request itself.
pub(crate) fn transport(e: &bollard::errors::Error) -> Option<Transport> {
    use bollard::errors::Error as B;
    match e {
        B::RequestTimeoutError => return Some(Transport::TimedOut),
        B::SocketNotFoundError(_) => return Some(Transport::NoSocket),
        B::DockerResponseServerError { .. }
        | B::DockerContainerWaitError { .. }
        | B::JsonDataError { .. }
        | B::JsonSerdeError { .. }
        | B::URLEncodedError { .. }
        | B::URLParseError { .. }
        | B::InvalidURIError { .. }
        | B::InvalidURIPartsError { .. }
        | B::HttpClientError { .. } => return None,
        B::IOError { .. } | B::HyperResponseError { .. } | B::HyperLegacyError { .. } => {}
        _ => return None,
    }
    let mut texts = Vec::new();
    // bollard's `IOError` is transparent: its `source()` skips the io::Error itself.
    if let B::IOError { err } = e {
        if let Some(t) = io_kind(err) {
            return Some(t);
        }
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(t) = err.downcast_ref::<std::io::Error>().and_then(io_kind) {
            return Some(t);
        }
        texts.push(err.to_string());
        next = err.source();
    }
    let text = texts.join(": ");
    if text.contains("(Connect)") {
        Some(Transport::Refused)
    } else {
        // hyper: "connection closed before message completed", "error reading a body from
        // connection", "(SendRequest)", "operation was canceled", "connection error".
        Some(Transport::Closed)
    }
}

/// The transport failure an I/O error is, if it is one.
fn io_kind(io: &std::io::Error) -> Option<Transport> {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => Some(Transport::Refused),
        K::NotFound => Some(Transport::NoSocket),
        K::TimedOut => Some(Transport::TimedOut),
        K::ConnectionReset
        | K::ConnectionAborted
        | K::BrokenPipe
        | K::UnexpectedEof
        | K::NotConnected => Some(Transport::Closed),
        _ => None,
    }
}

#[cfg(test)]
mod should {
    use super::*;

    fn io(kind: std::io::ErrorKind) -> bollard::errors::Error {
        bollard::errors::Error::IOError {
            err: std::io::Error::new(kind, "x"),
        }
    }

    #[test]
    fn tell_transport_failures_from_the_engines_answers() {
        use std::io::ErrorKind as K;
        assert_eq!(
            transport(&io(K::ConnectionRefused)),
            Some(Transport::Refused)
        );
        assert_eq!(transport(&io(K::NotFound)), Some(Transport::NoSocket));
        assert_eq!(transport(&io(K::ConnectionReset)), Some(Transport::Closed));
        assert_eq!(transport(&io(K::UnexpectedEof)), Some(Transport::Closed));
        assert_eq!(
            transport(&bollard::errors::Error::RequestTimeoutError),
            Some(Transport::TimedOut)
        );
        let answer = bollard::errors::Error::DockerResponseServerError {
            status_code: 500,
            message: "boom".into(),
        };
        assert_eq!(transport(&answer), None);
    }
}
