//! Reconciling a bank statement: each credit line is matched to a dossier by the dossier code
//! in its transfer content (banks keep or strip the dots and dashes, so the code is found by
//! its shape) and by amount. A line is confirmed once: the statement's own reference is kept,
//! so the same file loaded twice, or two overlapping statements, confirm nothing twice.

use std::collections::HashMap;

/// Which columns of the statement hold what (headers as the bank writes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub reference: String,
    pub date: String,
    pub amount: String,
    pub content: String,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            reference: "Số tham chiếu".into(),
            date: "Ngày giao dịch".into(),
            amount: "Số tiền ghi có".into(),
            content: "Nội dung".into(),
        }
    }
}

impl Columns {
    /// `reference=Ref,date=Date,amount=Credit,content=Description` (any subset; the rest default).
    pub fn parse(spec: &str) -> Result<Columns, String> {
        let mut c = Columns::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("\"{part}\": cần dạng cột=Tên cột"))?;
            let v = v.trim().to_owned();
            match k.trim() {
                "reference" => c.reference = v,
                "date" => c.date = v,
                "amount" => c.amount = v,
                "content" => c.content = v,
                other => return Err(format!("không có cột \"{other}\" (reference, date, amount, content)")),
            }
        }
        Ok(c)
    }
}

/// One credit of the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub reference: String,
    pub date: String,
    pub amount_vnd: u64,
    pub content: String,
}

/// Reads the statement: `,` or `;` separated, a header row naming the columns. Lines that are
/// not credits (no amount) are skipped; a malformed amount is an error naming its row.
pub fn read(csv_text: &str, cols: &Columns) -> Result<Vec<Line>, String> {
    let text = csv_text.trim_start_matches('\u{feff}');
    let delimiter =
        if text.lines().next().is_some_and(|h| h.matches(';').count() > h.matches(',').count()) { b';' } else { b',' };
    let mut r = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers = r.headers().map_err(|e| e.to_string())?.clone();
    let index = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| format!("sao kê không có cột \"{name}\""))
    };
    let (ri, di, ai, ci) = (index(&cols.reference)?, index(&cols.date)?, index(&cols.amount)?, index(&cols.content)?);
    let mut out = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("dòng {}: {e}", n + 2))?;
        let raw = rec.get(ai).unwrap_or("").trim();
        if raw.is_empty() {
            continue;
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if raw.contains('-') || digits.is_empty() {
            continue;
        }
        // "8.000", "8,000" and "8000" are eight thousand đồng; decimals ("8000.00") are cut.
        let whole = match raw.rsplit_once(['.', ',']) {
            Some((head, tail)) if tail.len() == 2 && tail.chars().all(|c| c.is_ascii_digit()) => head,
            _ => raw,
        };
        let amount: u64 = whole
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .map_err(|_| format!("dòng {}: số tiền \"{raw}\" không đọc được", n + 2))?;
        out.push(Line {
            reference: rec.get(ri).unwrap_or("").trim().to_owned(),
            date: rec.get(di).unwrap_or("").trim().to_owned(),
            amount_vnd: amount,
            content: rec.get(ci).unwrap_or("").trim().to_owned(),
        });
    }
    Ok(out)
}

/// Dossier codes (`000.00.03.H08-261203-0001`) in a transfer's content, however the bank
/// kept the dots and dashes.
pub fn codes_in(content: &str) -> Vec<String> {
    let s: Vec<char> = content.to_uppercase().chars().filter(char::is_ascii_alphanumeric).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 20 <= s.len() {
        let w = &s[i..i + 20];
        let shape = w[..7].iter().all(char::is_ascii_digit)
            && w[7].is_ascii_uppercase()
            && w[8..].iter().all(char::is_ascii_digit);
        if shape {
            let t: String = w.iter().collect();
            out.push(format!("{}.{}.{}.{}-{}-{}", &t[0..3], &t[3..5], &t[5..7], &t[7..10], &t[10..16], &t[16..20]));
            i += 20;
        } else {
            i += 1;
        }
    }
    out
}

/// What the platform knows of a dossier named in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The fee asked, when the dossier waits for one.
    pub amount_vnd: Option<u64>,
    pub paid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Confirm { dossier: String },
    AlreadyPaid { dossier: String },
    WrongAmount { dossier: String, expected: u64 },
    NotAwaitingPayment { dossier: String },
    NoDossier,
}

impl Outcome {
    pub fn label_vi(&self) -> String {
        match self {
            Self::Confirm { dossier } => format!("Khớp hồ sơ {dossier}: xác nhận đã nộp phí"),
            Self::AlreadyPaid { dossier } => format!("Hồ sơ {dossier} đã được xác nhận nộp phí trước đó"),
            Self::WrongAmount { dossier, expected } => {
                format!("Hồ sơ {dossier}: số tiền không khớp (phải nộp {expected} đồng)")
            }
            Self::NotAwaitingPayment { dossier } => format!("Hồ sơ {dossier} không ở trạng thái chờ nộp phí"),
            Self::NoDossier => "Không tìm thấy mã hồ sơ trong nội dung chuyển khoản".into(),
        }
    }
}

/// Matches one line against what `due` says of the dossiers it names.
pub fn match_line(line: &Line, due: &HashMap<String, Due>) -> Outcome {
    let mut first = None;
    for code in codes_in(&line.content) {
        let Some(d) = due.get(&code) else { continue };
        let outcome = match (d.paid, d.amount_vnd) {
            (true, _) => Outcome::AlreadyPaid { dossier: code },
            (false, Some(a)) if a == line.amount_vnd => return Outcome::Confirm { dossier: code },
            (false, Some(a)) => Outcome::WrongAmount { dossier: code, expected: a },
            (false, None) => Outcome::NotAwaitingPayment { dossier: code },
        };
        first.get_or_insert(outcome);
    }
    first.unwrap_or(Outcome::NoDossier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_with_or_without_their_punctuation() {
        assert_eq!(codes_in("NOP LE PHI 000.00.03.H08-261203-0001 NGUYEN VAN A"), ["000.00.03.H08-261203-0001"]);
        assert_eq!(codes_in("MBVCB.123.0000003H082612030001.CT tu 0123"), ["000.00.03.H08-261203-0001"]);
        assert!(codes_in("chuyen tien an trua").is_empty());
    }

    #[test]
    fn a_statement_is_read_with_its_columns_and_matched() {
        let csv = "\u{feff}Số tham chiếu;Ngày giao dịch;Số tiền ghi có;Nội dung\n\
                   FT1;03/12/2026;8.000;NOP PHI 000.00.03.H08-261203-0001\n\
                   FT2;03/12/2026;5000;0000003H082612030002\n\
                   FT3;03/12/2026;;phi dich vu\n\
                   FT4;03/12/2026;100000;tien nha\n";
        let lines = read(csv, &Columns::default()).unwrap();
        assert_eq!(lines.len(), 3, "the line without a credit is skipped");
        assert_eq!(lines[0].amount_vnd, 8000);
        let due: HashMap<String, Due> = [
            ("000.00.03.H08-261203-0001".to_owned(), Due { amount_vnd: Some(8000), paid: false }),
            ("000.00.03.H08-261203-0002".to_owned(), Due { amount_vnd: Some(8000), paid: false }),
        ]
        .into();
        assert_eq!(match_line(&lines[0], &due), Outcome::Confirm { dossier: "000.00.03.H08-261203-0001".into() });
        assert_eq!(
            match_line(&lines[1], &due),
            Outcome::WrongAmount { dossier: "000.00.03.H08-261203-0002".into(), expected: 8000 }
        );
        assert_eq!(match_line(&lines[2], &due), Outcome::NoDossier);
        let cols = Columns::parse("reference=Ref,amount=Credit").unwrap();
        assert_eq!((cols.reference.as_str(), cols.content.as_str()), ("Ref", "Nội dung"));
        assert!(read(csv, &cols).is_err(), "a column the file lacks is named");
        assert!(Columns::parse("colour=x").is_err());
    }
}
