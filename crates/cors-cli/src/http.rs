//! A small blocking HTTP/1.1 client over `std::net::TcpStream`: enough to send a request with
//! chosen headers and read the status and headers of the answer. http only.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where to send requests: an `http://` URL taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The host as written in the URL (brackets kept for IPv6), with the port when given:
    /// the `Host` header.
    pub(crate) authority: String,
    /// The host to connect to (no brackets).
    pub(crate) host: String,
    /// The port to connect to.
    pub(crate) port: u16,
    /// Path and query, at least `/`.
    pub(crate) path: String,
}

/// Why a URL cannot be probed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// An `https://` URL: this client speaks plain HTTP only.
    Tls,
    /// Not an absolute `http://` URL.
    Invalid(String),
}

impl std::fmt::Display for UrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlError::Tls => f.write_str(
                "https is not supported (no TLS in this client): probe the service over http, e.g. \
                 behind the TLS terminator or on its internal port",
            ),
            UrlError::Invalid(why) => write!(f, "not an http URL: {why}"),
        }
    }
}

/// Parses `http://host[:port][/path][?query]`.
pub(crate) fn parse_url(url: &str) -> Result<Target, UrlError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| UrlError::Invalid(format!("{url:?} has no scheme (write http://...)")))?;
    match scheme.to_ascii_lowercase().as_str() {
        "http" => {}
        "https" => return Err(UrlError::Tls),
        other => return Err(UrlError::Invalid(format!("unsupported scheme {other:?}"))),
    }
    let rest = rest.split('#').next().unwrap_or("");
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = match path {
        "" => "/".to_owned(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_owned(),
    };
    if authority.is_empty() {
        return Err(UrlError::Invalid(format!("{url:?} has no host")));
    }
    if authority.contains('@') {
        return Err(UrlError::Invalid(
            "credentials in the URL are not supported".into(),
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| UrlError::Invalid("unclosed [ in the host".into()))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| UrlError::Invalid(format!("unexpected {p:?} after the host")))?,
            ),
        };
        (host.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    let port = match port {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| UrlError::Invalid(format!("invalid port {p:?}")))?,
    };
    if host.is_empty() {
        return Err(UrlError::Invalid(format!("{url:?} has no host")));
    }
    Ok(Target {
        authority: authority.to_owned(),
        host,
        port,
        path,
    })
}

/// The status and headers of a response (the body is not read).
#[derive(Clone, Debug, Default)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// Every header line, in order, names as sent.
    pub(crate) headers: Vec<(String, String)>,
}

impl Response {
    /// Every value of `name` (case-insensitive), one per line.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `name`.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// True when a `Vary` line lists `token` (or `*`).
    pub(crate) fn varies_on(&self, token: &str) -> bool {
        self.all("vary")
            .iter()
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .any(|t| t == "*" || t.eq_ignore_ascii_case(token))
    }
}

/// Largest response head read.
const MAX_HEAD: usize = 64 * 1024;

/// Sends one request with `headers` (plus `Host`, `Connection: close`, a user agent) and reads
/// the response head.
pub(crate) fn send(
    target: &Target,
    method: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> io::Result<Response> {
    let addrs: Vec<_> = (target.host.as_str(), target.port).to_socket_addrs()?.collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut stream = stream.ok_or(last)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut request = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: cors-probe/{}\r\nAccept: */*\r\nConnection: close\r\n",
        target.path,
        target.authority,
        env!("CARGO_PKG_VERSION")
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.flush()?;

    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let mut from = 0;
    loop {
        if let Some(end) = find_head_end(&buf[from..]) {
            let head = &buf[from..from + end];
            let response = parse_head(head)?;
            if (100..200).contains(&response.status) {
                // An interim response (100 Continue, 103 Early Hints): the final one follows.
                from += end + 4;
                continue;
            }
            return Ok(response);
        }
        if buf.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "response head larger than 64 KiB",
            ));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before a complete response head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &[u8]) -> io::Result<Response> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not an HTTP response: {status_line:?}"),
        )
    };
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(bad());
    }
    let status = parts.next().and_then(|s| s.parse::<u16>().ok()).ok_or_else(bad)?;
    let headers = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    Ok(Response { status, headers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = parse_url("http://127.0.0.1:8081/api/items?x=1#frag").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1:8081", "127.0.0.1", 8081, "/api/items?x=1")
        );
        let t = parse_url("http://example.com").unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/"));
        let t = parse_url("http://[::1]:9000?q").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("::1", 9000, "/?q"));
        assert_eq!(parse_url("https://example.com/"), Err(UrlError::Tls));
        assert!(parse_url("example.com").is_err());
        assert!(parse_url("http://example.com:0/").is_err());
        assert!(parse_url("http://u:p@example.com/").is_err());
    }

    #[test]
    fn heads() {
        let r = parse_head(b"HTTP/1.1 204 No Content\r\nVary: Origin\r\nvary: accept-encoding\r\nX: a:b")
            .unwrap();
        assert_eq!(r.status, 204);
        assert_eq!(r.all("VARY"), vec!["Origin", "accept-encoding"]);
        assert_eq!(r.first("x"), Some("a:b"));
        assert!(r.varies_on("origin"));
        assert!(parse_head(b"SSH-2.0-OpenSSH").is_err());
    }
}
