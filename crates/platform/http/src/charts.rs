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

/// Horizontal bars: (label, value, max), value and unit printed at the end of each bar;
/// `summary` is read out by screen readers; figures written for an English reader when `en`.
pub fn bars(title: &str, summary: &str, unit: &str, items: &[(String, f64, f64)], en: bool) -> String {
    let (row, label_w, bar_w) = (26.0, 230.0, 300.0);
    let height = row * items.len() as f64 + 8.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title><desc>{d}</desc>",
        w = label_w + bar_w + 120.0,
        t = esc(title),
        d = esc(summary)
    );
    for (i, (label, value, max)) in items.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let share = if *max > 0.0 { (value / max).clamp(0.0, 1.0) } else { 0.0 };
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-label\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"18\" class=\"chart-track\"/>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{fill:.1}\" height=\"18\" class=\"chart-bar\"/>\
             <text x=\"{vx}\" y=\"{ty}\" class=\"chart-value\">{v} / {m} {u}</text>",
            lx = label_w - 8.0,
            ty = y + 14.0,
            label = esc(label),
            fill = bar_w * share,
            vx = label_w + bar_w + 6.0,
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
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title><desc>{d}</desc>\
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
    svg.push_str("</svg>");
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
        assert!(svg.contains("width=\"150.0\"") && svg.contains("<desc>Tóm tắt</desc>"));
        let svg =
            line("Xu hướng", "Tóm tắt", "Điểm", &[("01/2026".into(), 80.0), ("02/2026".into(), 90.5)], 100.0, false);
        assert!(
            svg.contains("<polyline") && svg.contains(">90,5<") && svg.starts_with("<svg") && svg.contains(">Điểm<")
        );
    }
}
