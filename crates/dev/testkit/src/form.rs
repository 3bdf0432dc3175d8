//! What a browser would send from a page's form as it stands, read from the HTML the server
//! wrote (inputs with their values, ticked boxes, each select's chosen option, textareas), so a
//! test can change one field of a long form and post the rest as the page holds it.

use anyhow::{anyhow, Result};

/// Text as the page wrote it, unescaped (askama escapes `& < > " '`).
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(unescape(tag[at..].split('"').next()?))
}

/// A boolean attribute (`checked`, `selected`) on a tag.
fn has(tag: &str, name: &str) -> bool {
    tag.contains(&format!(" {name}>")) || tag.contains(&format!(" {name} ")) || tag.contains(&format!(" {name}/"))
}

/// The fields of the form posting to `action` on `html`, in page order.
pub fn values(html: &str, action: &str) -> Result<Vec<(String, String)>> {
    let start = html.find(&format!("action=\"{action}")).ok_or_else(|| anyhow!("no form posting to {action}"))?;
    let len = html[start..].find("</form>").ok_or_else(|| anyhow!("the form to {action} is not closed"))?;
    let mut rest = &html[start..start + len];
    let mut out = Vec::new();
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        let end = rest.find('>').ok_or_else(|| anyhow!("a tag is not closed"))?;
        let tag = &rest[..=end];
        let after = &rest[end + 1..];
        let name = attr(tag, "name");
        if let (true, Some(name)) = (tag.starts_with("<input"), name.clone()) {
            let kind = attr(tag, "type").unwrap_or_default();
            let sent = match kind.as_str() {
                "checkbox" | "radio" => has(tag, "checked"),
                "submit" | "button" | "file" => false,
                _ => true,
            };
            if sent {
                // A ticked box without a value sends "on", as browsers do.
                let fallback = if kind == "checkbox" || kind == "radio" { "on" } else { "" };
                out.push((name, attr(tag, "value").unwrap_or_else(|| fallback.to_owned())));
            }
        } else if let (true, Some(name)) = (tag.starts_with("<select"), name.clone()) {
            let body = &after[..after.find("</select>").ok_or_else(|| anyhow!("select {name} is not closed"))?];
            let options: Vec<&str> = body.split("<option").skip(1).collect();
            // An option's opening tag, `>` kept so that a last boolean attribute is seen.
            let opening = |o: &&str| format!("{}>", o.split('>').next().unwrap_or_default());
            // The option marked selected, else the first, as a browser picks.
            let chosen = options.iter().find(|o| has(&opening(o), "selected")).or(options.first());
            if let Some(o) = chosen {
                let value = attr(&opening(o), "value").unwrap_or_else(|| {
                    unescape(
                        o.split_once('>').map(|(_, t)| t).unwrap_or_default().split('<').next().unwrap_or_default(),
                    )
                });
                out.push((name, value));
            }
        } else if let (true, Some(name)) = (tag.starts_with("<textarea"), name) {
            let text = &after[..after.find("</textarea>").ok_or_else(|| anyhow!("textarea {name} is not closed"))?];
            // A browser drops one newline right after the opening tag (HTML's parsing rule).
            let text = text.strip_prefix("\r\n").or_else(|| text.strip_prefix('\n')).unwrap_or(text);
            out.push((name, unescape(text)));
        }
        rest = after;
    }
    Ok(out)
}

/// Sets field `name` (the first of that name) to `value`, or adds it.
pub fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_form_as_a_browser_would_send_it() {
        let html = r#"<form action="/x"><input type="hidden" name="csrf" value="t">
            <input id="a" name="a" value="A &amp; B"><input type="checkbox" name="l" value="p">
            <input type="checkbox" name="l" value="c" checked><select name="s"><option value="1">Một
            <option value="2" selected>Hai</option></select><select name="f"><option>Đầu</option></select>
            <textarea name="t">
k | Nhãn &lt;1&gt;
dòng 2</textarea><button type="submit">Lưu</button></form><form action="/y"><input name="z" value="no"></form>"#;
        let v = super::values(html, "/x").unwrap();
        let pairs: Vec<(&str, &str)> = v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            pairs,
            [("csrf", "t"), ("a", "A & B"), ("l", "c"), ("s", "2"), ("f", "Đầu"), ("t", "k | Nhãn <1>\ndòng 2")]
        );
        assert!(super::values(html, "/w").is_err());
    }
}
