//! A small W3C WebDriver client for Debian's chromedriver + chromium: just what a test of
//! "a person searches and clicks" needs. Each `Browser` starts its own chromedriver.

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    base: String,
    _driver: Child,
    _profile: std::path::PathBuf,
    /// Set by `quit`: a browser dropped without it (a walk that failed) is killed in `drop`.
    quit: bool,
}

pub struct Element(String);

impl Element {
    /// The element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    pub async fn start() -> Result<Self> {
        let driver_bin = which("chromedriver")
            .ok_or_else(|| anyhow!("chromedriver not found: run scripts/test, which installs chromium-driver"))?;
        let chromium = which("chromium").ok_or_else(|| anyhow!("chromium not found: run scripts/test"))?;
        let port = free_port()?;
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start chromedriver")?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("tinhso-chromium-{}-{port}", std::process::id()));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=412,915", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let v: Value = http.post(format!("{base}/session")).json(&caps).send().await?.json().await?;
        let id = v["value"]["sessionId"].as_str().ok_or_else(|| anyhow!("no session: {v}"))?;
        Ok(Self { http, base: format!("{base}/session/{id}"), _driver: driver, _profile: profile, quit: false })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await?.json().await?;
        if let Some(err) = v["value"].get("error") {
            bail!("webdriver {path}: {err} {}", v["value"]["message"]);
        }
        Ok(v["value"].clone())
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await.map(|_| ())
    }

    pub async fn find(&self, css: &str) -> Result<Element> {
        let v = self
            .call(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css })))
            .await?;
        v[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned())).ok_or_else(|| anyhow!("no element {css}"))
    }

    pub async fn type_into(&self, e: &Element, text: &str) -> Result<()> {
        self.call(reqwest::Method::POST, &format!("/element/{}/value", e.0), Some(json!({ "text": text })))
            .await
            .map(|_| ())
    }

    /// The current value of an input, as the person sees it in the field.
    pub async fn value(&self, e: &Element) -> Result<String> {
        let v = self.call(reqwest::Method::GET, &format!("/element/{}/property/value", e.0), None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn click(&self, e: &Element) -> Result<()> {
        self.call(reqwest::Method::POST, &format!("/element/{}/click", e.0), Some(json!({}))).await.map(|_| ())
    }

    pub async fn text(&self, e: &Element) -> Result<String> {
        let v = self.call(reqwest::Method::GET, &format!("/element/{}/text", e.0), None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn url(&self) -> Result<String> {
        Ok(self.call(reqwest::Method::GET, "/url", None).await?.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the current URL contains `part` (a click that submits a form navigates
    /// asynchronously); returns the URL.
    pub async fn wait_for_url(&self, part: &str) -> Result<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await?;
            if url.contains(part) {
                return Ok(url);
            }
            if std::time::Instant::now() > deadline {
                bail!("still at {url}, waiting for {part}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element `css` shows text for which `ok` holds (pages load and replace
    /// each other asynchronously); returns the text.
    pub async fn wait_for_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = match self.find(css).await {
                Ok(e) => self.text(&e).await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&text) {
                return Ok(text);
            }
            if std::time::Instant::now() > deadline {
                bail!("{css} still shows {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG screenshot (for a person to look at when a test fails).
    pub async fn screenshot(&self, path: &std::path::Path) -> Result<()> {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default())?;
        tokio::fs::write(path, png).await?;
        Ok(())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page; returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Runs `script`, which calls its last argument with the result when done.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(reqwest::Method::POST, "/execute/async", Some(json!({ "script": script, "args": args }))).await
    }

    /// An element a script returned, if it returned one.
    pub fn element(v: &Value) -> Option<Element> {
        v[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned()))
    }

    /// Makes the page's viewport `width` x `height` CSS pixels (the window's frame is measured
    /// and added, so a 390 px phone is a 390 px viewport).
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<()> {
        let rect = |w: u32, h: u32| json!({ "width": w, "height": h });
        self.call(reqwest::Method::POST, "/window/rect", Some(rect(width, height))).await?;
        let inner = self.execute("return [window.innerWidth, window.innerHeight];", Vec::new()).await?;
        let px = |v: &Value| v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
        let (iw, ih) = (px(&inner[0]), px(&inner[1]));
        if (iw, ih) != (width, height) {
            let (w, h) = (width + width.saturating_sub(iw), height + height.saturating_sub(ih));
            self.call(reqwest::Method::POST, "/window/rect", Some(rect(w, h))).await?;
        }
        Ok(())
    }

    pub async fn quit(mut self) -> Result<()> {
        self.call(reqwest::Method::DELETE, "", None).await?;
        self.quit = true;
        // The profile is this browser's alone; a test run starts hundreds.
        let _ = tokio::fs::remove_dir_all(&self._profile).await;
        Ok(())
    }
}

impl Drop for Browser {
    /// A walk that failed never quits its browser, and killing chromedriver leaves Chromium
    /// running: its processes are found by their profile, which is this browser's alone.
    fn drop(&mut self) {
        if self.quit {
            return;
        }
        let profile = self._profile.display().to_string();
        let _ = std::process::Command::new("pkill").args(["-f", &profile]).status();
        #[allow(clippy::disallowed_methods)] // test tear-down, no server involved
        let _ = std::fs::remove_dir_all(&self._profile);
    }
}

fn which(name: &str) -> Option<String> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}
