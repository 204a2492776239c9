//! A small HTTP/1.1 client for the load tool: one keep-alive connection per simulated caller,
//! each request written in one piece, each response read by its `Content-Length`.
//!
//! Why not reqwest (which the server uses for web services): the load tool shares the machine
//! with the server it measures, so its own cost per request must stay small beside the
//! server's, or the baseline measures the client. This keeps one buffer per caller and parses
//! only the status line and the two headers it needs.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Twilio gives a webhook 15 seconds; a turn slower than that failed for the caller.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Largest response accepted; TwiML replies are a few kilobytes.
const MAX_RESPONSE: usize = 1 << 20;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Connecting, writing or reading failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// No full response within [`TIMEOUT`].
    #[error("no response within {} s", TIMEOUT.as_secs())]
    Timeout,
    /// The response was not HTTP/1.x as this client reads it.
    #[error("unreadable response: {0}")]
    Malformed(&'static str),
}

/// A response: status and body.
#[derive(Debug)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as text (TwiML is UTF-8).
    pub body: String,
}

/// One caller's connection to the server, opened on first use and again after the server
/// closes it.
pub struct Connection {
    addr: SocketAddr,
    host: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Connection {
    /// A connection to `addr`, not opened yet.
    pub fn new(addr: SocketAddr) -> Connection {
        Connection {
            addr,
            host: addr.to_string(),
            stream: None,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Opens the connection now rather than on the first request.
    ///
    /// # Errors
    /// The server cannot be reached within [`TIMEOUT`].
    pub async fn connect(&mut self) -> Result<(), ClientError> {
        if self.stream.is_none() {
            let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(self.addr))
                .await
                .map_err(|_| ClientError::Timeout)??;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        Ok(())
    }

    /// POSTs a form body to `path`, as one webhook delivery with its idempotency token, and
    /// reads the whole response.
    ///
    /// # Errors
    /// The connection failed, the server took longer than [`TIMEOUT`], or the response could
    /// not be read; the connection is closed so the next request starts clean.
    pub async fn post_form(
        &mut self,
        path: &str,
        token: &str,
        body: &str,
    ) -> Result<Response, ClientError> {
        let result = tokio::time::timeout(TIMEOUT, self.exchange(path, token, body)).await;
        let result = result.unwrap_or(Err(ClientError::Timeout));
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(
        &mut self,
        path: &str,
        token: &str,
        body: &str,
    ) -> Result<Response, ClientError> {
        self.connect().await?;
        let Some(stream) = &mut self.stream else {
            return Err(ClientError::Malformed("not connected"));
        };
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nI-Twilio-Idempotency-Token: {token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        stream.write_all(request.as_bytes()).await?;
        self.buf.clear();
        let (head_len, head) = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break (end + 4, Head::parse(&self.buf[..end])?);
            }
            read_more(stream, &mut self.buf).await?;
        };
        let total = match head.content_length {
            Some(length) => head_len + length,
            None if head.close => {
                // No length: the body runs to the end of the connection.
                while read_more(stream, &mut self.buf).await.is_ok() {}
                self.buf.len()
            }
            None => return Err(ClientError::Malformed("no Content-Length")),
        };
        while self.buf.len() < total {
            read_more(stream, &mut self.buf).await?;
        }
        let body = String::from_utf8_lossy(&self.buf[head_len..total]).into_owned();
        if head.close {
            self.stream = None;
        }
        Ok(Response {
            status: head.status,
            body,
        })
    }
}

/// Reads what is available onto `buf`; an orderly close before the response is complete is an
/// error.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), ClientError> {
    if buf.len() > MAX_RESPONSE {
        return Err(ClientError::Malformed("response too large"));
    }
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(ClientError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// What the client needs of a response head.
struct Head {
    status: u16,
    content_length: Option<usize>,
    /// The server will close the connection after this response (HTTP/1.0, or said so).
    close: bool,
}

impl Head {
    fn parse(head: &[u8]) -> Result<Head, ClientError> {
        let text = std::str::from_utf8(head).map_err(|_| ClientError::Malformed("not text"))?;
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/1.") {
            return Err(ClientError::Malformed("not HTTP/1.x"));
        }
        let status = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(ClientError::Malformed("no status code"))?;
        let mut head = Head {
            status,
            content_length: None,
            close: version == "HTTP/1.0",
        };
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                head.content_length = Some(
                    value
                        .parse()
                        .map_err(|_| ClientError::Malformed("bad Content-Length"))?,
                );
            } else if name.eq_ignore_ascii_case("connection") {
                head.close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(ClientError::Malformed("chunked responses are not read"));
            }
        }
        Ok(head)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_for_status_length_and_close() {
        let h = Head::parse(b"HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\nContent-Length: 42")
            .expect("parses");
        assert_eq!(
            (h.status, h.content_length, h.close),
            (200, Some(42), false)
        );
        let h = Head::parse(b"HTTP/1.0 403 FORBIDDEN\r\nContent-Length: 3").expect("parses");
        assert!(h.close, "HTTP/1.0 closes after each response");
        let h = Head::parse(b"HTTP/1.1 200 OK\r\nConnection: close").expect("parses");
        assert!(h.close && h.content_length.is_none());
        assert!(Head::parse(b"SSH-2.0-OpenSSH").is_err());
        assert!(Head::parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked").is_err());
    }
}
