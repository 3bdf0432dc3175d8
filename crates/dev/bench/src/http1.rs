//! A lean HTTP/1.1 keep-alive client for the load generator, in the spirit of `wrk -t1`: one
//! thread drives every connection, requests are prebuilt bytes, responses are parsed just enough
//! (status, headers, `Content-Length` or chunked body). On a 2-core machine the generator shares
//! the CPU with the server it measures, so every microsecond it spends is taken from the server;
//! a general-purpose client (reqwest) cost about as much per request as a hello endpoint.

use anyhow::{anyhow, bail, Result};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive connection, with the cookie and CSRF token of the session it carries.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    /// The last response was read whole, the server keeps the connection open and the session
    /// still holds: a refused request (a 4xx) need not cost a new connection and a login.
    reusable: bool,
}

/// A parsed response; `body` is owned so the connection can be reused at once.
pub struct Response {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

/// `http://127.0.0.1:port` → the socket address.
pub fn addr_of(base: &str) -> Result<SocketAddr> {
    let hostport = base.trim_start_matches("http://").split('/').next().unwrap_or_default();
    hostport.parse().map_err(|e| anyhow!("{base}: {e}"))
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(64 * 1024),
            host: addr.to_string(),
            cookie: None,
            csrf: None,
            reusable: true,
        })
    }

    /// The bytes of a request on this connection (its cookie and CSRF token included).
    pub fn build(&self, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
        let mut r = Vec::with_capacity(256 + body.len());
        r.extend_from_slice(format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host).as_bytes());
        if let Some(c) = &self.cookie {
            r.extend_from_slice(format!("Cookie: {c}\r\n").as_bytes());
        }
        if method != "GET" {
            if let Some(t) = &self.csrf {
                r.extend_from_slice(format!("X-CSRF-Token: {t}\r\n").as_bytes());
            }
            if let Some(ct) = content_type {
                r.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            r.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        r.extend_from_slice(b"\r\n");
        r.extend_from_slice(body);
        r
    }

    pub async fn get(&mut self, path: &str) -> Result<Response> {
        let req = self.build("GET", path, None, &[]);
        self.send(&req).await
    }

    pub async fn post_json(&mut self, path: &str, body: &[u8]) -> Result<Response> {
        let req = self.build("POST", path, Some("application/json"), body);
        self.send(&req).await
    }

    /// Logs in over `POST /api/v1/session` and keeps the session cookie and CSRF token.
    pub async fn login(&mut self, login: &str, password: &str) -> Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({ "login": login, "password": password }))?;
        let mut r = self.post_json("/api/v1/session", &body).await?;
        // Many connections log in to one account at once: the server's abuse limit counts
        // each attempt before the password is checked and asks the rest to wait, as a polite
        // client does.
        for _ in 0..20 {
            if r.status != 429 {
                break;
            }
            let wait: u64 = r.header("retry-after").and_then(|v| v.trim().parse().ok()).unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait.min(5))).await;
            r = self.post_json("/api/v1/session", &body).await?;
        }
        if r.status != 200 {
            bail!("login {login}: HTTP {}: {}", r.status, String::from_utf8_lossy(&r.body));
        }
        let cookie = r.header("set-cookie").and_then(|c| c.split(';').next()).ok_or_else(|| anyhow!("no cookie"))?;
        self.cookie = Some(cookie.to_owned());
        self.csrf = r.json()?["csrf_token"].as_str().map(str::to_owned);
        Ok(())
    }

    /// Writes a prebuilt request and reads its response.
    pub async fn send(&mut self, req: &[u8]) -> Result<Response> {
        self.reusable = false;
        self.stream.write_all(req).await?;
        let r = self.read_response().await?;
        let closing = r.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        self.reusable = !closing && r.status != 401;
        Ok(r)
    }

    /// Whether the connection can carry the next request as it is (see `reusable`).
    pub fn reusable(&self) -> bool {
        self.reusable
    }

    async fn fill(&mut self) -> Result<()> {
        if self.buf.capacity() - self.buf.len() < 16 * 1024 {
            self.buf.reserve(64 * 1024);
        }
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            bail!("connection closed");
        }
        Ok(())
    }

    async fn read_response(&mut self) -> Result<Response> {
        let (status, headers, head_len) = loop {
            let mut hs = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut hs);
            match resp.parse(&self.buf)? {
                httparse::Status::Complete(n) => {
                    let headers = resp
                        .headers
                        .iter()
                        .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                        .collect::<Vec<_>>();
                    break (resp.code.unwrap_or(0), headers, n);
                }
                httparse::Status::Partial => self.fill().await?,
            }
        };
        self.buf.drain(..head_len);
        let find = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let body = if let Some(len) = find("content-length") {
            let len: usize = len.trim().parse()?;
            while self.buf.len() < len {
                self.fill().await?;
            }
            self.buf.drain(..len).collect()
        } else if find("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
            self.read_chunked().await?
        } else {
            Vec::new()
        };
        Ok(Response { status, headers, body })
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[..line_end])?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
            if size == 0 {
                return Ok(body);
            }
        }
    }
}
