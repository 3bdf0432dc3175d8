//! Render, sign, read back: the whole chain on a throwaway CA, and tampering caught.

use crate::cert::Certificate;
use crate::document::{place_date, Block, OfficialDocument, SignatureBlock};
use crate::keys::LocalKey;
use crate::pades::SignatureInfo;
use crate::{render, sign, verify};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

fn key() -> LocalKey {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "CA thử nghiệm");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, "Ủy ban nhân dân xã Minh Xuân");
    p.distinguished_name.push(DnType::OrganizationName, "Tỉnh Tuyên Quang");
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
    let cert = p.signed_by(&key, &issuer).unwrap();
    let chain = [cert.der().as_ref(), ca_cert.der().as_ref()].map(|d| Certificate::from_der(d).unwrap()).to_vec();
    LocalKey::from_pkcs8(&key.serialize_der(), chain).unwrap()
}

pub fn sample(paragraphs: usize) -> OfficialDocument {
    OfficialDocument {
        superior: "UBND TỈNH TUYÊN QUANG".into(),
        issuer: "UBND XÃ MINH XUÂN".into(),
        number: "Số: 000.00.03.H08-261203-0001/KQ".into(),
        place_date: place_date("Tuyên Quang", chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()),
        title: "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH".into(),
        subtitle: Some("Đăng ký lần đầu".into()),
        body: std::iter::once(Block::Field { label: "Họ và tên".into(), value: "Nguyễn Thị Hoà Đông".into() })
            .chain((0..paragraphs).map(|i| {
                Block::Para(format!("Điều {}. Hộ kinh doanh được phép hoạt động theo đúng ngành, nghề đã đăng ký; chấp hành nghiêm chỉnh các quy định của pháp luật về thuế, lao động, vệ sinh an toàn thực phẩm và phòng cháy, chữa cháy.", i + 1))
            }))
            .collect(),
        qr: Some(("https://dichvucong.example/xac-thuc?ma=KQ-1".into(), "Quét mã để xác thực kết quả".into())),
        signature: Some(SignatureBlock {
            capacity: "TM. ỦY BAN NHÂN DÂN".into(),
            signer: "Ủy ban nhân dân xã Minh Xuân".into(),
            agency: "UBND xã Minh Xuân".into(),
            at: "03/12/2026 09:45".into(),
        }),
        subject: "Kết quả giải quyết thủ tục hành chính".into(),
        created: chrono::Utc::now(),
    }
}

fn signed(doc: &OfficialDocument) -> Vec<u8> {
    let k = key();
    let rendered = render::render(doc).unwrap();
    let info = SignatureInfo {
        name: k.chain[0].common_name(),
        reason: "Ký kết quả giải quyết thủ tục hành chính".into(),
        location: "Tuyên Quang".into(),
        at: chrono::Utc::now(),
    };
    let ts = sign::begin(&rendered, &k.chain, &info, false).unwrap();
    let sig = k.sign(&ts.attributes).unwrap();
    sign::finish(ts, &k.chain, k.kind(), &sig, None).unwrap()
}

#[test]
fn a_signed_result_reads_back_sound_and_a_changed_byte_is_caught() {
    let pdf = signed(&sample(3));
    let ex = verify::examine(&pdf);
    let s = ex.signature.expect("signed");
    assert!(s.sound(), "{s:?}");
    assert_eq!(s.signer, "Ủy ban nhân dân xã Minh Xuân");
    assert_eq!(s.issuer, "CA thử nghiệm");
    // One byte of the page's content changed: the digest no longer matches.
    let at = pdf.windows(6).position(|w| w == b"stream").unwrap() + 20;
    let mut bad = pdf.clone();
    bad[at] ^= 1;
    let s = verify::examine(&bad).signature.expect("still signed");
    assert!(!s.intact && !s.sound());
    // Something appended after signing: intact but not covering the file.
    let mut more = pdf.clone();
    more.extend_from_slice(b"\n% later\n");
    let s = verify::examine(&more).signature.unwrap();
    assert!(s.intact && !s.covers_whole_file && !s.sound());
    // No signature at all.
    assert!(verify::examine(&render::render(&sample(1)).unwrap().pdf).signature.is_none());
}

#[test]
fn ten_pages_wrap_and_sign() {
    let r = render::render(&sample(140)).unwrap();
    assert!(r.pages >= 10, "{} pages", r.pages);
    assert_eq!(r.signature.unwrap().page, r.pages - 1, "the block follows the body");
    let pdf = signed(&sample(140));
    assert!(verify::examine(&pdf).signature.unwrap().sound());
}

#[test]
fn wrapping_keeps_every_word_and_fits() {
    let width = |s: &str| s.chars().count() as f32;
    let text = "một hai ba bốn năm sáu bảy tám chín mười mườimộtchữrấtdài";
    let lines = render::wrap(&width, text, 12.0);
    assert!(lines.iter().all(|l| width(l) <= 12.0), "{lines:?}");
    assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
}

/// A self-signed certificate valid from `from` to `until` (rcgen writes UTCTime before 2050,
/// GeneralizedTime from it, as RFC 5280 says).
fn valid_between(from: (i32, u8, u8), until: (i32, u8, u8)) -> Certificate {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, "Sở Tư pháp");
    p.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
    p.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
    let cert = p.self_signed(&KeyPair::generate().unwrap()).unwrap();
    Certificate::from_der(cert.der()).unwrap()
}

#[test]
fn a_certificate_signs_only_within_its_validity() {
    use crate::cert::Unusable;
    use chrono::{TimeZone, Utc};
    let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
    let c = valid_between((2024, 1, 1), (2027, 1, 1));
    assert_eq!(c.validity(), Some((at(2024, 1, 1), at(2027, 1, 1))));
    assert_eq!(c.usable_at(at(2026, 12, 7)), Ok(()));
    assert_eq!(c.usable_at(at(2027, 1, 1)), Ok(()), "its last second still signs");
    assert_eq!(c.usable_at(at(2027, 1, 2)), Err(Unusable::Expired(at(2027, 1, 1))));
    assert_eq!(c.usable_at(at(2023, 12, 31)), Err(Unusable::NotYet(at(2024, 1, 1))));
    // Past 2049 the time is written as GeneralizedTime; before 1950 too.
    let long = valid_between((1949, 6, 1), (2051, 3, 15));
    assert_eq!(long.validity(), Some((at(1949, 6, 1), at(2051, 3, 15))));
    // The test CA's own key reads as valid now.
    assert!(key().chain[0].usable_at(Utc::now()).is_ok());
    let mut broken = c.clone();
    broken.der.truncate(40);
    assert_eq!(broken.usable_at(at(2026, 1, 1)), Err(Unusable::Unreadable));
}
