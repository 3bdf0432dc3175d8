//! Charts as SVG drawn by the server: no scripts, no CDN, readable without colour (values are
//! printed next to each mark) and by screen readers (a title and a description).

use std::fmt::Write;

/// A number as the reader writes it: a decimal comma in Vietnamese, a point in English (`en`).
fn num(x: f64, decimals: usize, en: bool) -> String {
    let s = format!("{x:.decimals$}");
    if en {
        s
    } else {
        s.replace('.', ",")
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The longest label a bar carries whole, in characters: what fits the chart's width at its
/// font; a longer one is cut with "…" and given whole in its tooltip (and in the table beside).
const LABEL_CHARS: usize = 52;

fn label_text(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return esc(label);
    }
    let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("<title>{}</title>{}…", esc(label), esc(cut.trim_end()))
}

/// Horizontal bars: (label, value, max), each label above its bar and the value and unit at the
/// bar's end, so the chart is narrow enough to read on a phone without shrinking its text;
/// `summary` is read out by screen readers; figures written for an English reader when `en`.
pub fn bars(title: &str, summary: &str, unit: &str, items: &[(String, f64, f64)], en: bool) -> String {
    let (row, bar_w, w) = (44.0, 220.0, 360.0);
    let height = row * items.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg class=\"chart chart-bars\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title><desc>{d}</desc>",
        t = esc(title),
        d = esc(summary)
    );
    for (i, (label, value, max)) in items.iter().enumerate() {
        let y = i as f64 * row;
        let share = if *max > 0.0 { (value / max).clamp(0.0, 1.0) } else { 0.0 };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{ly}\" class=\"chart-label\">{label}</text>\
             <rect x=\"0\" y=\"{by}\" width=\"{bar_w}\" height=\"16\" class=\"chart-track\"/>\
             <rect x=\"0\" y=\"{by}\" width=\"{fill:.1}\" height=\"16\" class=\"chart-bar\"/>\
             <text x=\"{vx}\" y=\"{vy}\" class=\"chart-value\">{v} / {m} {u}</text>",
            ly = y + 13.0,
            by = y + 18.0,
            vy = y + 31.0,
            label = label_text(label),
            fill = bar_w * share,
            vx = bar_w + 6.0,
            v = num(*value, 2, en),
            m = num(*max, 0, en),
            u = esc(unit),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line over labelled points (0 to `max`), each point's value printed above it, the y axis
/// named with its unit; `summary` is read out by screen readers; figures as in `bars`.
pub fn line(title: &str, summary: &str, y_label: &str, points: &[(String, f64)], max: f64, en: bool) -> String {
    let (w, h, pad) = (640.0, 220.0, 36.0);
    let n = points.len().max(2) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (n - 1.0);
    let y = |v: f64| h - pad - (h - 2.0 * pad) * (v / max).clamp(0.0, 1.0);
    // Twelve labelled points need the width: on a narrow screen the chart keeps it and its box
    // scrolls sideways (a focusable region, so a keyboard scrolls it too).
    let mut svg = format!(
        "<div class=\"chart-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{t}\">\
         <svg class=\"chart chart-wide\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title><desc>{d}</desc>\
         <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" class=\"chart-axis\"/>\
         <line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" class=\"chart-axis\"/>\
         <text x=\"4\" y=\"14\" class=\"chart-label\">{yl}</text>\
         <text x=\"{lx}\" y=\"{b}\" text-anchor=\"end\" class=\"chart-label\">0</text>\
         <text x=\"{lx}\" y=\"{top}\" text-anchor=\"end\" class=\"chart-label\">{m}</text>",
        t = esc(title),
        d = esc(summary),
        yl = esc(y_label),
        b = h - pad,
        r = w - pad,
        lx = pad - 4.0,
        top = pad + 4.0,
        m = num(max, 0, en)
    );
    let path: Vec<String> = points.iter().enumerate().map(|(i, (_, v))| format!("{:.1},{:.1}", x(i), y(*v))).collect();
    let _ = write!(svg, "<polyline points=\"{}\" class=\"chart-line\"/>", path.join(" "));
    for (i, (label, v)) in points.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" class=\"chart-dot\"/>\
             <text x=\"{cx:.1}\" y=\"{vy:.1}\" text-anchor=\"middle\" class=\"chart-value\">{v}</text>\
             <text x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"middle\" class=\"chart-label\">{label}</text>",
            cx = x(i),
            cy = y(*v),
            vy = y(*v) - 9.0,
            v = num(*v, 1, en),
            ly = h - pad + 18.0,
            label = esc(label),
        );
    }
    svg.push_str("</svg></div>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_print_values() {
        let svg = bars("Nhóm", "Tóm tắt", "điểm", &[("Công khai <&>".into(), 9.0, 18.0)], false);
        assert!(svg.contains("Công khai &lt;&amp;&gt;") && svg.contains("9,00 / 18 điểm"));
        assert!(bars("Groups", "Summary", "points", &[("A".into(), 9.5, 18.0)], true).contains("9.50 / 18 points"));
        assert!(svg.contains("width=\"110.0\"") && svg.contains("<desc>Tóm tắt</desc>"));
        let long = "Trung tâm Phục vụ hành chính công tỉnh Tuyên Quang, cơ sở 2";
        let svg = bars("Nhóm", "Tóm tắt", "", &[(long.into(), 1.0, 2.0)], false);
        let shown: String = long.chars().take(LABEL_CHARS - 1).collect();
        assert!(long.chars().count() > LABEL_CHARS, "the label is longer than a bar carries");
        assert!(
            svg.contains(&format!("<text x=\"0\" y=\"13\" class=\"chart-label\"><title>{long}</title>{shown}…</text>")),
            "{svg}"
        );
        let svg =
            line("Xu hướng", "Tóm tắt", "Điểm", &[("01/2026".into(), 80.0), ("02/2026".into(), 90.5)], 100.0, false);
        assert!(
            svg.contains("<polyline")
                && svg.contains(">90,5<")
                && svg.contains(">Điểm<")
                && svg.ends_with("</svg></div>")
        );
    }
}
