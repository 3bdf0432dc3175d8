//! A person walking through the pages in Chromium by what they can see: links and buttons by
//! their text, fields by their label. After every page they land on, axe-core checks it (no
//! violation allowed), the page must fit the screen's width, a phone's header must take at
//! most two lines, and a screenshot is kept as a test artefact.

use crate::webdriver::{Browser, Element};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The two screens a journey is walked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// A 390 x 844 phone.
    Phone,
    /// A 1366 x 768 desk screen.
    Desk,
}

impl Screen {
    pub const BOTH: [Screen; 2] = [Screen::Phone, Screen::Desk];

    fn size(self) -> (u32, u32) {
        match self {
            Self::Phone => (390, 844),
            Self::Desk => (1366, 768),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Desk => "desk",
        }
    }
}

/// axe-core's browser bundle: `TINHSO_AXE_JS`, else where `scripts/test` installs it
/// (`target/axe/node_modules/axe-core/axe.min.js` under the workspace).
fn axe_source(workspace: &Path) -> Result<String> {
    let path = std::env::var_os("TINHSO_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/axe/node_modules/axe-core/axe.min.js"));
    #[allow(clippy::disallowed_methods)] // test set-up
    std::fs::read_to_string(&path)
        .with_context(|| format!("axe-core not found at {}: run scripts/test, which installs it", path.display()))
}

/// Finds what a person would click by its visible text: a link, a button or a disclosure,
/// whose whitespace-normalised text equals `arguments[0]` (or starts with it when
/// `arguments[1]`), in the page's content before the header and footer.
const BY_TEXT: &str = r#"
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const [want, prefix] = arguments;
const seen = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
const t = e => norm(e.innerText || e.value);
// What the page's content offers first, then the header's and footer's links.
for (const scope of [document.querySelector('main'), document]) {
  const all = [...scope.querySelectorAll('a, button, summary, input[type=submit]')].filter(seen);
  const hit = all.find(e => t(e) === want) || (prefix ? all.find(e => t(e).startsWith(want)) : null);
  if (hit) return hit;
}
return null;
"#;

/// Finds the control a visible label (or a wrapping label's text) names.
const BY_LABEL: &str = r#"
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const want = arguments[0];
const seen = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
const labels = [...document.querySelectorAll('label')].filter(seen);
const l = labels.find(l => norm(l.innerText) === want) || labels.find(l => norm(l.innerText).startsWith(want));
if (!l) return null;
return l.control || (l.htmlFor ? document.getElementById(l.htmlFor) : l.querySelector('input, select, textarea'));
"#;

pub struct Person {
    pub browser: Browser,
    base: String,
    screen: Screen,
    walk: &'static str,
    artefacts: PathBuf,
    axe: String,
    step: u32,
    /// Pages checked by axe-core so far.
    pub pages: u32,
}

impl Person {
    /// A person at `screen` size on the server at `base`; screenshots go to
    /// `<workspace>/target/test-artefacts/walks/<walk>-<screen>-NN-<path>.png`.
    pub async fn start(base: &str, screen: Screen, walk: &'static str, workspace: &Path) -> Result<Self> {
        let axe = axe_source(workspace)?;
        let browser = Browser::start().await?;
        let (w, h) = screen.size();
        browser.set_viewport(w, h).await?;
        let artefacts = workspace.join("target/test-artefacts/walks");
        #[allow(clippy::disallowed_methods)] // test set-up
        std::fs::create_dir_all(&artefacts)?;
        Ok(Self {
            browser,
            base: base.trim_end_matches('/').to_owned(),
            screen,
            walk,
            artefacts,
            axe,
            step: 0,
            pages: 0,
        })
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Opens a path of the site (typing an address, as from a bookmark or a printed slip).
    pub async fn open(&mut self, path: &str) -> Result<()> {
        self.browser.goto(&format!("{}{path}", self.base)).await?;
        self.landed().await
    }

    /// Clicks the link or button with this visible text and waits for the next page.
    pub async fn click(&mut self, text: &str) -> Result<()> {
        let e = self.by_text(text, false).await?;
        self.navigate(&e).await
    }

    /// Clicks the link or button whose visible text starts with `text`.
    pub async fn click_starting(&mut self, text: &str) -> Result<()> {
        let e = self.by_text(text, true).await?;
        self.navigate(&e).await
    }

    /// Clicks the button or link reading `text` in the table row whose first cell starts with
    /// `row` (a row's own action, where every row offers the same ones).
    pub async fn click_in_row_on(&mut self, row: &str, text: &str) -> Result<()> {
        let v = self
            .browser
            .execute(
                r#"const norm = s => (s || '').replace(/\s+/g, ' ').trim();
                   const tr = [...document.querySelectorAll('main tr')]
                     .find(tr => tr.cells.length && norm(tr.cells[0].innerText).startsWith(arguments[0]));
                   return tr ? [...tr.querySelectorAll('a, button')].find(e => norm(e.innerText) === arguments[1]) || null : null;"#,
                vec![json!(row), json!(text)],
            )
            .await?;
        let e = Browser::element(&v).ok_or_else(|| anyhow!("{}: no {text:?} in row {row:?}", self.walk))?;
        self.navigate(&e).await
    }

    /// Opens a disclosure (`<summary>`) or presses something that stays on the page.
    pub async fn press(&mut self, text: &str) -> Result<()> {
        let e = self.by_text(text, false).await?;
        self.browser.click(&e).await
    }

    /// Types into the field this visible label names, replacing what is there.
    pub async fn fill(&mut self, label: &str, value: &str) -> Result<()> {
        let e = self.by_label(label).await?;
        self.browser.execute("arguments[0].value = '';", vec![el(&e)]).await?;
        self.browser.type_into(&e, value).await
    }

    /// Picks the option with this text in the list this label names.
    pub async fn choose(&mut self, label: &str, option: &str) -> Result<()> {
        let e = self.by_label(label).await?;
        let picked = self
            .browser
            .execute(
                r#"const s = arguments[0], want = arguments[1];
                   const o = [...s.options].find(o => o.text.trim() === want);
                   if (!o) return false;
                   s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true })); return true;"#,
                vec![el(&e), json!(option)],
            )
            .await?;
        if picked != json!(true) {
            bail!("no option {option:?} under {label:?}");
        }
        Ok(())
    }

    /// Ticks the checkbox or radio button this label names.
    pub async fn tick(&mut self, label: &str) -> Result<()> {
        let e = self.by_label(label).await?;
        let on = self.browser.execute("return arguments[0].checked;", vec![el(&e)]).await?;
        if on != json!(true) {
            self.browser.click(&e).await?;
        }
        Ok(())
    }

    /// Ticks the checkbox labelled `label` inside the group (fieldset) whose legend starts
    /// with `group`: the same label repeated once per group.
    pub async fn tick_in(&mut self, group: &str, label: &str) -> Result<()> {
        let tail = r#"const l = g && [...g.querySelectorAll('label')].find(l => norm(l.innerText) === arguments[1]);
                      return l ? (l.control || l.querySelector('input')) : null;"#;
        let e = self
            .in_group(group, tail, json!(label))
            .await?
            .ok_or_else(|| anyhow!("{}: no {label:?} under {group:?}", self.walk))?;
        self.browser.click(&e).await
    }

    /// Types into the field labelled `label` inside the group (fieldset) whose legend starts
    /// with `group`: the same label repeated once per group (a form of many indicators).
    pub async fn fill_in(&mut self, group: &str, label: &str, value: &str) -> Result<()> {
        let tail = r#"const l = g && [...g.querySelectorAll('label')].find(l => norm(l.innerText) === arguments[1]);
                      return l ? l.control : null;"#;
        let e = self
            .in_group(group, tail, json!(label))
            .await?
            .ok_or_else(|| anyhow!("{}: no {label:?} under {group:?}", self.walk))?;
        self.browser.execute("arguments[0].value = '';", vec![el(&e)]).await?;
        self.browser.type_into(&e, value).await
    }

    /// In the table row whose first cell starts with `row`, clicks the link (a number that
    /// opens what it counts); returns the link's text.
    pub async fn click_in_row(&mut self, row: &str) -> Result<String> {
        let v = self
            .browser
            .execute(
                r#"const norm = s => (s || '').replace(/\s+/g, ' ').trim();
                   const tr = [...document.querySelectorAll('main tr')]
                     .find(tr => tr.cells.length && norm(tr.cells[0].innerText).startsWith(arguments[0]));
                   return tr ? tr.querySelector('a') : null;"#,
                vec![json!(row)],
            )
            .await?;
        let e = Browser::element(&v).ok_or_else(|| anyhow!("{}: no row {row:?} with a link", self.walk))?;
        let text = self.browser.text(&e).await?;
        self.navigate(&e).await?;
        Ok(text)
    }

    /// Opens the first item of the page's list (table) of dossiers.
    pub async fn open_first_listed(&mut self) -> Result<String> {
        let e = self.browser.find("main table tbody tr a").await?;
        let text = self.browser.text(&e).await?;
        self.navigate(&e).await?;
        Ok(text)
    }

    /// Chooses a file for the file input this label names, or the one in the group (a
    /// fieldset) whose legend starts with `label`.
    pub async fn attach(&mut self, label: &str, file: &Path) -> Result<()> {
        let found = self.in_group(label, "return g ? g.querySelector('input[type=file]') : null;", Value::Null).await?;
        let e = match found {
            Some(e) => e,
            None => self.by_label(label).await?,
        };
        self.browser.type_into(&e, &file.display().to_string()).await
    }

    /// The visible text of the page's main content.
    pub async fn main_text(&self) -> Result<String> {
        let v = self.browser.execute("return document.querySelector('main').innerText;", Vec::new()).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The visible text of the first element `css` matches.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let e = self.browser.find(css).await?;
        self.browser.text(&e).await
    }

    /// Fails unless the page's main content shows `text`.
    pub async fn sees(&self, text: &str) -> Result<()> {
        let main = self.main_text().await?;
        if !main.contains(text) {
            bail!("{} ({:?}): {text:?} is not on the page:\n{main}", self.walk, self.screen);
        }
        Ok(())
    }

    /// Fails unless the picture described as `alt` is on the page and drawn (brought into view,
    /// so that a lazily loaded one loads; a broken or missing image fails).
    pub async fn sees_picture(&self, alt: &str) -> Result<()> {
        let script = "const [alt, done] = [arguments[0], arguments[arguments.length - 1]]; \
                      const img = [...document.querySelectorAll('main img')].find(i => i.alt === alt); \
                      if (!img) { done('missing'); return; } \
                      img.scrollIntoView(); \
                      const t0 = Date.now(); \
                      (function wait() { \
                        if (img.complete) { done(img.naturalWidth > 0 ? 'drawn' : 'broken'); } \
                        else if (Date.now() - t0 > 10000) { done('not loaded'); } \
                        else { setTimeout(wait, 50); } \
                      })();";
        let v = self.browser.execute_async(script, vec![serde_json::Value::from(alt)]).await?;
        match v.as_str() {
            Some("drawn") => Ok(()),
            other => bail!("{} ({:?}): the picture {alt:?} is {other:?}", self.walk, self.screen),
        }
    }

    pub async fn path(&self) -> Result<String> {
        let url = self.browser.url().await?;
        Ok(url.strip_prefix(&self.base).unwrap_or(&url).to_owned())
    }

    pub async fn quit(self) -> Result<()> {
        self.browser.quit().await
    }

    /// Runs `tail` with `g` bound to the fieldset whose legend starts with `group` (or null)
    /// and `arguments[1]` to `arg`; returns the element it returns.
    async fn in_group(&self, group: &str, tail: &str, arg: Value) -> Result<Option<Element>> {
        let script = format!(
            r#"const norm = s => (s || '').replace(/\s+/g, ' ').trim();
               const g = [...document.querySelectorAll('fieldset')]
                 .find(f => f.querySelector('legend') && norm(f.querySelector('legend').innerText).startsWith(arguments[0]));
               {tail}"#
        );
        Ok(Browser::element(&self.browser.execute(&script, vec![json!(group), arg]).await?))
    }

    async fn by_text(&self, text: &str, prefix: bool) -> Result<Element> {
        let v = self.browser.execute(BY_TEXT, vec![json!(text), json!(prefix)]).await?;
        match Browser::element(&v) {
            Some(e) => Ok(e),
            None => {
                let main = self.main_text().await.unwrap_or_default();
                bail!("{}: nothing to click reads {text:?} at {}; the page reads:\n{main}", self.walk, self.here())
            }
        }
    }

    async fn by_label(&self, label: &str) -> Result<Element> {
        let v = self.browser.execute(BY_LABEL, vec![json!(label)]).await?;
        match Browser::element(&v) {
            Some(e) => Ok(e),
            None => {
                let main = self.main_text().await.unwrap_or_default();
                bail!("{}: no field labelled {label:?} at {}; the page reads:\n{main}", self.walk, self.here())
            }
        }
    }

    fn here(&self) -> String {
        format!("step {} on the {:?}", self.step, self.screen)
    }

    /// Clicks `e` and waits until another document has loaded in place of this one.
    async fn navigate(&mut self, e: &Element) -> Result<()> {
        self.browser.execute("window.__walking = true;", Vec::new()).await?;
        self.browser.click(e).await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let v = self
                .browser
                .execute("return window.__walking !== true && document.readyState === 'complete';", Vec::new())
                .await;
            if v.ok() == Some(json!(true)) {
                return self.landed().await;
            }
            if std::time::Instant::now() > deadline {
                bail!("{}: no new page after the click ({})", self.walk, self.here());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What every page a person lands on must pass: axe-core without violations, a title in
    /// words, no field too narrow to use, no sideways scrolling, on a phone a header of at most
    /// two lines; then a screenshot.
    async fn landed(&mut self) -> Result<()> {
        self.step += 1;
        let path = self.path().await?;
        let slug: String = path
            .split('?')
            .next()
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' })
            .collect();
        let shot = self.artefacts.join(format!("{}-{}-{:02}{}.png", self.walk, self.screen.key(), self.step, slug));
        self.browser.screenshot(&shot).await?;
        self.browser.execute(&format!("{};return true;", self.axe), Vec::new()).await?;
        let found = self
            .browser
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { resultTypes: ['violations'] })
                     .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))))
                     .catch(e => done({ error: String(e) }));"#,
                Vec::new(),
            )
            .await?;
        match found.as_array() {
            Some(v) if v.is_empty() => {}
            Some(v) => bail!("axe-core on {path} ({:?}, {}):\n{}", self.screen, shot.display(), pretty(v)),
            None => bail!("axe-core did not run on {path}: {found}"),
        }
        self.pages += 1;
        // The tab's title is what a screen reader says first: words, never markup.
        let title = self.browser.execute("return document.title;", Vec::new()).await?;
        let title = title.as_str().unwrap_or_default();
        if title.is_empty() || title.contains(['<', '>']) {
            bail!("{path}: the page's title is {title:?} ({})", shot.display());
        }
        // A field squeezed by its neighbours cannot be typed in or read back.
        let narrow = self
            .browser
            .execute(
                r#"return [...document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea')]
                     .filter(e => e.getClientRects().length && e.getBoundingClientRect().width < 48)
                     .map(e => (e.id || e.name) + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');"#,
                Vec::new(),
            )
            .await?;
        if narrow.as_array().is_some_and(|v| !v.is_empty()) {
            bail!("{path}: fields too narrow to use on the {:?}: {narrow} ({})", self.screen, shot.display());
        }
        let wide = self
            .browser
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", Vec::new())
            .await?;
        if wide[0].as_u64() > wide[1].as_u64() {
            let culprits = self
                .browser
                .execute(
                    r#"const w = window.innerWidth;
                       return [...document.querySelectorAll('body *')]
                         .filter(e => e.getBoundingClientRect().right > w + 1)
                         .slice(0, 8)
                         .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                                   + ' ' + Math.round(e.getBoundingClientRect().right));"#,
                    Vec::new(),
                )
                .await?;
            bail!("{path} scrolls sideways on the {:?}: {wide}, {culprits} ({})", self.screen, shot.display());
        }
        if self.screen == Screen::Phone {
            let lines = self
                .browser
                .execute(
                    r#"const items = [...document.querySelectorAll('header.top .brand, header.top .account-short, header.top .nav li')]
                         .filter(e => e.getClientRects().length);
                       const tops = items.map(e => e.getBoundingClientRect().top).sort((a, b) => a - b);
                       let lines = 0, last = -1e9;
                       for (const t of tops) { if (t - last > 12) { lines++; last = t; } }
                       return lines;"#,
                    Vec::new(),
                )
                .await?;
            if lines.as_u64().unwrap_or(99) > 2 {
                bail!("{path}: the phone's header takes {lines} lines ({})", shot.display());
            }
        }
        Ok(())
    }
}

fn el(e: &Element) -> Value {
    e.to_json()
}

fn pretty(v: &[Value]) -> String {
    v.iter()
        .map(|x| format!("  {} ({}): {} at {}", x["id"], x["impact"], x["help"], x["nodes"]))
        .collect::<Vec<_>>()
        .join("\n")
}
