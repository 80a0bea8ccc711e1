//! A deliberately dumb HTTP/1.1 client: it writes exactly the bytes a case describes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response as bytes on the wire: status, header lines in order, body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Header lines, names lowercased, values raw.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A response with `status`, these header lines and no body: for checking the checkers.
    pub fn with_headers(status: u16, headers: &[(&str, &str)]) -> RawResponse {
        RawResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
                .collect(),
            body: Vec::new(),
        }
    }

    /// Every line of `name`.
    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// All lines of `name` joined by `, `, or `None` when absent.
    pub fn joined(&self, name: &str) -> Option<String> {
        let lines = self.all(name);
        (!lines.is_empty()).then(|| {
            lines
                .iter()
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        })
    }

    /// The single line of `name` as text; panics (failing the test) on two lines.
    pub fn one(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(all.len() <= 1, "more than one {name} line in {self:?}");
        all.first().and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// True when the application's handler made the response (`X-Handler: ran`).
    pub fn handler_ran(&self) -> bool {
        self.one("x-handler") == Some("ran")
    }

    /// Every `Vary` token, lowercased, across lines.
    pub fn vary_tokens(&self) -> Vec<String> {
        self.tokens("vary")
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .collect()
    }

    /// True when the response grants nothing: no allow-origin, credentials, expose, methods,
    /// headers or max-age header.
    pub fn has_no_cors_grant(&self) -> bool {
        self.headers.iter().all(|(n, _)| {
            !matches!(
                n.as_str(),
                "access-control-allow-origin"
                    | "access-control-allow-credentials"
                    | "access-control-expose-headers"
                    | "access-control-allow-methods"
                    | "access-control-allow-headers"
                    | "access-control-max-age"
            )
        })
    }

    /// The comma-separated elements of every line of `name`, trimmed, empty ones dropped.
    pub fn tokens(&self, name: &str) -> Vec<String> {
        self.all(name)
            .iter()
            .flat_map(|l| {
                String::from_utf8_lossy(l)
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// Sends one request (`Connection: close` is added) and reads the whole response.
pub fn send_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, Vec<u8>)],
) -> Result<RawResponse, String> {
    send_with_body(addr, method, path, headers, b"")
}

/// Sends one request with a body (`Content-Length` is added for a body, and for an empty
/// `POST`, `PUT` or `PATCH`) and reads the whole response.
pub fn send_with_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
) -> Result<RawResponse, String> {
    // A case that sends its own Host lines (policy sets choose by them) replaces the default.
    let own_host = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"));
    let mut request = match own_host {
        true => format!("{method} {path} HTTP/1.1\r\n").into_bytes(),
        false => format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n").into_bytes(),
    };
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    let needs_length = !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH");
    if needs_length
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        request.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(body);

    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    stream.write_all(&request).map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    // A server may reset after answering; what was read until then still counts.
    if let Err(e) = stream.read_to_end(&mut raw) {
        if raw.is_empty() {
            return Err(format!("read: {e}"));
        }
    }
    parse(&raw, method == "HEAD")
}

/// Sends `GET path` on a new keep-alive connection and reads its answer, which must have a
/// `Content-Length`: the connection, left open and idle, and the answer.
pub fn keep_alive_get(addr: SocketAddr, path: &str) -> Result<(TcpStream, RawResponse), String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let response = parse(&raw, false)?;
            let length: usize = response
                .joined("content-length")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{addr}: no content-length in {response:?}"))?;
            if raw.len() >= end + 4 + length {
                return Ok((stream, response));
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => return Err(format!("{addr} closed after {:?}", String::from_utf8_lossy(&raw))),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("{addr}: read: {e}")),
        }
    }
}

fn parse(raw: &[u8], head: bool) -> Result<RawResponse, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {:?}", String::from_utf8_lossy(raw)))?;
    let head_text = &raw[..end];
    let mut lines = head_text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(format!("bad header line {:?}", String::from_utf8_lossy(line)));
        };
        let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
        let value = trim(&line[colon + 1..]).to_vec();
        headers.push((name, value));
    }
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case(b"chunked"));
    let body = if head {
        Vec::new()
    } else if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', r @ ..] = b {
        b = r;
    }
    while let [r @ .., b' ' | b'\t'] = b {
        b = r;
    }
    b
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size {
            return Err("short chunk".into());
        }
        body.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_duplicate_headers_and_chunks() {
        let raw = b"HTTP/1.1 200 OK\r\nVary: Origin\r\nvary: Accept\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let r = parse(raw, false).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.all("Vary").len(), 2);
        assert_eq!(r.tokens("vary"), vec!["Origin", "Accept"]);
        assert_eq!(r.joined("vary").as_deref(), Some("Origin, Accept"));
        assert_eq!(r.body, b"abc");
    }
}
