//! Every dashboard table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
//! diacritics) or XLSX.

use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A cell: text, or a number kept numeric in XLSX.
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

pub struct Table {
    /// File name without extension, ASCII.
    pub name: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

pub fn format_of(s: Option<&str>) -> Result<Option<Format>, AppError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some("csv") => Ok(Some(Format::Csv)),
        Some("xlsx") => Ok(Some(Format::Xlsx)),
        Some(_) => {
            Err(AppError::bad_request("invalid_format", "Định dạng phải là csv hoặc xlsx", "Format is csv or xlsx"))
        }
    }
}

fn text(c: &Cell) -> String {
    match c {
        // A spreadsheet program opening the CSV would run a text cell that begins like a
        // formula (a name typed as `=HYPERLINK(…)`): such text gets a leading apostrophe, which
        // the program shows as plain text (OWASP's advice against CSV injection). XLSX cells are
        // typed strings and need nothing.
        Cell::Text(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => format!("{}", (n * 10_000.0).round() / 10_000.0),
        Cell::Empty => String::new(),
    }
}

/// Column names given as they are written in code.
pub fn heads(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

pub fn csv(t: &Table) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&t.headers).map_err(|e| AppError::Internal(e.to_string()))?;
    for row in &t.rows {
        w.write_record(row.iter().map(text)).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    w.into_inner().map_err(|e| AppError::Internal(e.to_string()))
}

pub fn xlsx(t: &Table) -> Result<Vec<u8>, AppError> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    // A sheet has 16,384 columns and 1,048,576 rows; a bigger table is refused, not cut.
    let column = |c: usize| u16::try_from(c).map_err(|_| AppError::Internal("too many columns for a sheet".into()));
    let line = |r: usize| u32::try_from(r + 1).map_err(|_| AppError::Internal("too many rows for a sheet".into()));
    for (c, h) in t.headers.iter().enumerate() {
        sheet.write_string_with_format(0, column(c)?, h, &bold).map_err(err)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = line(r)?;
        for (c, cell) in row.iter().enumerate() {
            let c = column(c)?;
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()).map_err(err)?,
                Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()).map_err(err)?,
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

/// The table as a download in `format`.
pub fn download(t: &Table, format: Format) -> Result<Response, AppError> {
    let (bytes, mime, ext) = match format {
        Format::Csv => (csv(t)?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (xlsx(t)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let disposition = format!("attachment; filename=\"{}.{ext}\"", t.name);
    Ok(([(header::CONTENT_TYPE, mime.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_that_would_run_as_a_formula_is_kept_as_text() {
        let t = Table {
            name: "t",
            headers: heads(&["Tên", "Số"]),
            rows: vec![
                vec![Cell::Text("=HYPERLINK(\"http://x\",\"Bấm\")".into()), Cell::Number(-3.0)],
                vec![Cell::Text("@SUM(A1)".into()), Cell::Text("Sở Tư pháp".into())],
                vec![Cell::Text("2026-12-05".into()), Cell::Empty],
            ],
        };
        let out = String::from_utf8(csv(&t).unwrap()).unwrap();
        let lines: Vec<&str> = out.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"http://x\"\",\"\"Bấm\"\")\",-3");
        assert_eq!(lines[2], "'@SUM(A1),Sở Tư pháp");
        assert_eq!(lines[3], "2026-12-05,", "dates and numbers untouched");
    }
}
