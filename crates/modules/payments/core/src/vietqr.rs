//! VietQR: the EMVCo merchant-presented QR (Napas's profile) a Vietnamese banking app reads to
//! pre-fill a transfer: the province's account (bank BIN and number), the amount in đồng and
//! the dossier code as the transfer's content, closed by a CRC-16/CCITT-FALSE the app checks.

/// A receiving account: bank BIN (6 digits, Napas), account number, holder's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub bin: String,
    pub number: String,
    pub name: String,
}

impl Account {
    /// Parses `BIN:ACCOUNT:NAME` (the `--vietqr-account` option).
    pub fn parse(s: &str) -> Result<Account, String> {
        let mut parts = s.splitn(3, ':');
        let (bin, number, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if bin.len() != 6 || !bin.chars().all(|c| c.is_ascii_digit()) {
            return Err("mã ngân hàng (BIN) phải có 6 chữ số".into());
        }
        if number.is_empty() || number.len() > 19 || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("số tài khoản không hợp lệ".into());
        }
        if name.trim().is_empty() {
            return Err("thiếu tên chủ tài khoản".into());
        }
        Ok(Account { bin: bin.into(), number: number.into(), name: name.trim().into() })
    }
}

fn field(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo asks, in upper-case hex.
pub fn crc16(data: &[u8]) -> String {
    let mut crc: u16 = 0xffff;
    for b in data {
        crc ^= u16::from(*b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    format!("{crc:04X}")
}

/// The transfer content: letters, digits, spaces and `-`, `.` only (what banks carry), at
/// most 25 characters (Napas's limit for field 62/08).
pub fn memo(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.')).take(25).collect()
}

/// The payload for `amount` đồng to `account` with `content`.
pub fn payload(account: &Account, amount: u64, content: &str) -> String {
    let beneficiary = field("00", &account.bin) + &field("01", &account.number);
    let merchant = field("00", "A000000727") + &field("01", &beneficiary) + &field("02", "QRIBFTTA");
    let mut s = String::new();
    s += &field("00", "01");
    s += &field("01", "12"); // dynamic: one payment of one amount
    s += &field("38", &merchant);
    s += &field("53", "704");
    s += &field("54", &amount.to_string());
    s += &field("58", "VN");
    s += &field("62", &field("08", &memo(content)));
    s += "6304";
    let crc = crc16(s.as_bytes());
    s + &crc
}

/// Reads a payload back into its top-level fields, checking lengths and the CRC.
pub fn parse(payload: &str) -> Result<Vec<(String, String)>, &'static str> {
    let (body, crc) = payload.split_at(payload.len().checked_sub(4).ok_or("too short")?);
    if !body.ends_with("6304") || crc16(body.as_bytes()) != crc {
        return Err("CRC mismatch");
    }
    let mut out = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let id = rest.get(0..2).ok_or("truncated")?;
        let len: usize = rest.get(2..4).ok_or("truncated")?.parse().map_err(|_| "bad length")?;
        let value = rest.get(4..4 + len).ok_or("truncated")?;
        out.push((id.to_owned(), value.to_owned()));
        rest = &rest[4 + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        // CRC-16/CCITT-FALSE of "123456789" is 0x29B1.
        assert_eq!(crc16(b"123456789"), "29B1");
    }

    #[test]
    fn a_payload_reads_back_with_its_fields() {
        let acc = Account::parse("970415:113366668888:UBND TINH TUYEN QUANG").unwrap();
        let p = payload(&acc, 8000, "000.00.03.H08-261203-0001");
        let fields = parse(&p).unwrap();
        let get = |id: &str| fields.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("54"), "8000");
        assert_eq!(get("53"), "704");
        assert!(get("38").contains("970415") && get("38").contains("113366668888") && get("38").contains("QRIBFTTA"));
        assert_eq!(get("62"), "0825000.00.03.H08-261203-0001");
        let mut broken = p.clone();
        broken.replace_range(30..31, "9");
        assert!(parse(&broken).is_err(), "a changed digit fails the CRC");
    }

    #[test]
    fn accounts_are_checked() {
        assert!(Account::parse("97041:1:X").is_err());
        assert!(Account::parse("970415::X").is_err());
        assert!(Account::parse("970415:123:").is_err());
    }
}
