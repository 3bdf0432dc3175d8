//! People's journeys in headless Chromium, on a 390 px phone and a 1366 px desk screen, driven
//! only by what they see (link and button texts, field labels): a citizen's birth registration
//! at the commune from the home page to the result and the rating, with the commune's
//! receptionist, specialist and leader doing their steps in between; a walk-in at the commune's
//! one-stop desk; a leader's drill-down from the index to the dossiers; a citizen reporting a
//! pothole with a photo, a leader answering it, the citizen rating the answer; the province admin
//! correcting a procedure. Every page on the way passes axe-core (no violation), has a title in
//! words and no field too narrow to use, fits the screen's width, and is kept as a screenshot under
//! `target/test-artefacts/walks/`.

use crate::dossier::PASSWORD;
use std::path::{Path, PathBuf};
use tinhso_testkit::walk::{Person, Screen};
use tinhso_testkit::{Backend, TestServer};

const COMMUNE: &str = "Xã Thượng Lâm";
const CITIZEN_PASSWORD: &str = "nương ngô trên đồi cao";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Files a person picks on their device: a scan as PDF, photos as PNG and JPEG.
fn files(tag: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    let (pdf, png, jpg) =
        (dir.join(format!("cu-tru-{tag}.pdf")), dir.join("giay-chung-sinh.png"), dir.join("cccd.jpg"));
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").unwrap();
    std::fs::write(&png, crate::dossier::PNG).unwrap();
    std::fs::write(&jpg, crate::dossier::JPEG).unwrap();
    (pdf, png, jpg)
}

async fn person(s: &TestServer, screen: Screen, walk: &'static str) -> Person {
    match Person::start(&s.url, screen, walk, &workspace()).await {
        Ok(p) => p,
        Err(e) => panic!("{e:#}"),
    }
}

async fn log_in(p: &mut Person, login: &str) {
    log_in_with(p, login, PASSWORD).await;
}

async fn log_in_with(p: &mut Person, login: &str, password: &str) {
    p.open("/dang-nhap").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", login).await.unwrap();
    p.fill("Mật khẩu", password).await.unwrap();
    p.click("Đăng nhập").await.unwrap();
}

async fn log_out(p: &mut Person) {
    p.click("Đăng xuất").await.unwrap();
}

/// A staff member finds the dossier in their inbox by its code and opens it.
async fn open_from_inbox(p: &mut Person, code: &str) {
    p.click("Hồ sơ").await.unwrap();
    p.fill("Tìm hồ sơ theo mã", code).await.unwrap();
    p.click("Tìm").await.unwrap();
    p.click(code).await.unwrap();
    p.sees(&format!("Hồ sơ {code}")).await.unwrap();
}

async fn birth_registration(screen: Screen) {
    let s = crate::demo_server(Backend::Sqlite, 60).await;
    let mut p = person(&s, screen, "khai-sinh").await;
    let (pdf, png, jpg) = files(if screen == Screen::Phone { "dt" } else { "mt" });
    let phone = if screen == Screen::Phone { "0977000390" } else { "0977001366" };

    // From the home page, searching without diacritics.
    p.open("/").await.unwrap();
    p.fill("Bạn cần làm thủ tục gì?", "dang ky khai sinh").await.unwrap();
    p.click("Tìm kiếm").await.unwrap();
    p.click("Thủ tục đăng ký khai sinh").await.unwrap();
    p.click("Nộp hồ sơ trực tuyến").await.unwrap();
    // Logged out: the login page says why, registration brings the person back to the form.
    p.sees("Đăng nhập để nộp hồ sơ: Thủ tục đăng ký khai sinh").await.unwrap();
    p.click("Đăng ký tài khoản").await.unwrap();
    p.fill("Họ và tên", "Lò Thị Mai").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", phone).await.unwrap();
    p.fill("Số định danh cá nhân", if screen == Screen::Phone { "008195000390" } else { "008195001366" })
        .await
        .unwrap();
    p.fill("Mật khẩu", CITIZEN_PASSWORD).await.unwrap();
    p.click("Tạo tài khoản").await.unwrap();
    assert!(p.path().await.unwrap().starts_with("/thu-tuc/1.001193/nop"), "back at the form");
    p.sees("Tờ khai đăng ký khai sinh").await.unwrap();
    p.sees("Lập tự động từ thông tin ông/bà khai ở trên, không cần tải lên.").await.unwrap();

    p.choose("Xã, phường, đặc khu giải quyết hồ sơ", COMMUNE).await.unwrap();
    p.fill("Địa chỉ liên hệ", "Thôn Nà Lừa").await.unwrap();
    p.choose("Xã, phường của địa chỉ liên hệ", COMMUNE).await.unwrap();
    p.fill("Họ, chữ đệm và tên của trẻ", "Lò Minh Khang").await.unwrap();
    p.choose("Giới tính", "Nam").await.unwrap();
    p.fill("Nơi sinh", "Trạm y tế xã").await.unwrap();
    p.choose("Xã, phường của nơi sinh", COMMUNE).await.unwrap();
    p.attach("Giấy chứng sinh", &png).await.unwrap();
    p.attach("Hộ chiếu/Thẻ căn cước công dân", &jpg).await.unwrap();
    p.attach("Giấy tờ có giá trị chứng minh thông tin về cư trú", &pdf).await.unwrap();
    // The birth date is on a paper at home: the application is saved, nothing sent, and taken
    // up again from the person's dossiers with everything typed and uploaded.
    p.click("Lưu nháp để nộp sau").await.unwrap();
    p.sees("Đã lưu nháp. Hồ sơ chưa được gửi").await.unwrap();
    p.click("Hồ sơ").await.unwrap();
    p.sees("Hồ sơ đang lưu nháp, chưa gửi").await.unwrap();
    p.click("Thủ tục đăng ký khai sinh").await.unwrap();
    p.sees("Ông/bà đang tiếp tục bản nháp lưu lúc").await.unwrap();
    p.sees("Đã tải lên: giay-chung-sinh.png").await.unwrap();
    // A birth date that does not exist: what is wrong is said, the files already chosen kept.
    p.fill("Ngày sinh của trẻ", "31/11/2026").await.unwrap();
    p.click("Gửi hồ sơ").await.unwrap();
    p.sees("Ngày sinh của trẻ: tháng 11/2026 không có ngày 31").await.unwrap();
    p.sees("Đã tải lên: giay-chung-sinh.png").await.unwrap();
    p.fill("Ngày sinh của trẻ", "01/11/2026").await.unwrap();
    p.click("Gửi hồ sơ").await.unwrap();
    p.sees("Đã nộp hồ sơ thành công").await.unwrap();
    let code = p.text_of(".big-code").await.unwrap();
    assert!(code.starts_with("000.") && code.len() == 25, "{code}");
    log_out(&mut p).await;

    // The commune's receptionist receives it; the specialist examines it; the leader signs.
    log_in(&mut p, "motcua.2269@tinhso.local").await;
    open_from_inbox(&mut p, &code).await;
    p.click("Tiếp nhận hồ sơ").await.unwrap();
    p.sees("Đã tiếp nhận hồ sơ").await.unwrap();
    log_out(&mut p).await;
    log_in(&mut p, "cv.2269@tinhso.local").await;
    open_from_inbox(&mut p, &code).await;
    p.click("Bắt đầu xử lý").await.unwrap();
    // The commune's process: check the papers, write the register and print; then the leader signs.
    p.sees("1. Kiểm tra, đối chiếu giấy tờ").await.unwrap();
    p.fill("Kết quả bước xử lý", "Giấy tờ đầy đủ, hợp lệ").await.unwrap();
    p.click("Hoàn thành bước").await.unwrap();
    p.sees("Đã chuyển bước xử lý").await.unwrap();
    p.fill("Kết quả bước xử lý", "Đã ghi Sổ hộ tịch, in Giấy khai sinh").await.unwrap();
    p.click("Hoàn thành bước").await.unwrap();
    log_out(&mut p).await;
    log_in(&mut p, "ld.2269@tinhso.local").await;
    open_from_inbox(&mut p, &code).await;
    p.attach("Tệp kết quả đã ký số (PDF)", &pdf).await.unwrap();
    p.click("Phê duyệt kết quả").await.unwrap();
    log_out(&mut p).await;
    // The receptionist is prompted to hand the result over, and does so online.
    log_in(&mut p, "motcua.2269@tinhso.local").await;
    p.click("Hồ sơ").await.unwrap();
    p.sees("chờ trả cho người dân").await.unwrap();
    open_from_inbox(&mut p, &code).await;
    p.choose("Hình thức trả", "Trực tuyến").await.unwrap();
    p.click("Trả kết quả").await.unwrap();
    log_out(&mut p).await;

    // The citizen finds the result at the top of the dossier and rates the service.
    log_in_with(&mut p, phone, CITIZEN_PASSWORD).await;
    p.click("Hồ sơ").await.unwrap();
    p.click(&code).await.unwrap();
    p.sees("Đã nhận kết quả").await.unwrap();
    p.sees("Kết quả giải quyết").await.unwrap();
    p.sees("Đã trả kết quả trực tuyến ngày").await.unwrap();
    p.tick("Rất hài lòng").await.unwrap();
    p.click("Gửi đánh giá").await.unwrap();
    p.sees("Cảm ơn").await.unwrap();
    assert!(p.pages >= 30, "{} pages checked", p.pages);
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn birth_registration_on_a_phone() {
    birth_registration(Screen::Phone).await;
}

#[tokio::test]
async fn birth_registration_at_a_desk_screen() {
    birth_registration(Screen::Desk).await;
}

/// A walk-in at the commune's desk: the receptionist finds the procedure, types the
/// applicant's details once, ticks the papers received and prints the receipt (Mẫu 01).
async fn walk_in(screen: Screen) {
    let s = crate::demo_server(Backend::Sqlite, 30).await;
    let mut p = person(&s, screen, "mot-cua").await;
    log_in(&mut p, "motcua.2269@tinhso.local").await;
    p.click("Hồ sơ").await.unwrap();
    p.click("Tiếp nhận hồ sơ trực tiếp").await.unwrap();
    p.fill("Tìm thủ tục người dân cần làm", "khai sinh").await.unwrap();
    p.click("Tìm").await.unwrap();
    p.click("Thủ tục đăng ký khai sinh").await.unwrap();
    p.fill("Họ và tên", "Hoàng Văn Páo").await.unwrap();
    p.fill("Số định danh cá nhân", if screen == Screen::Phone { "008090000390" } else { "008090001366" })
        .await
        .unwrap();
    p.fill("Số điện thoại", if screen == Screen::Phone { "0966000390" } else { "0966001366" }).await.unwrap();
    p.choose("Xã, phường, đặc khu giải quyết hồ sơ", COMMUNE).await.unwrap();
    p.fill("Địa chỉ liên hệ", "Bản Nà Hang").await.unwrap();
    p.choose("Xã, phường của địa chỉ liên hệ", COMMUNE).await.unwrap();
    p.fill("Họ, chữ đệm và tên của trẻ", "Hoàng Thị Mỷ").await.unwrap();
    p.fill("Ngày sinh của trẻ", "20/11/2026").await.unwrap();
    p.choose("Giới tính", "Nữ").await.unwrap();
    p.fill("Nơi sinh", "Nhà").await.unwrap();
    p.choose("Xã, phường của nơi sinh", COMMUNE).await.unwrap();
    p.sees("Lập từ thông tin nhập ở trên").await.unwrap();
    for paper in
        ["Giấy chứng sinh", "Hộ chiếu/Thẻ căn cước công dân", "Giấy tờ có giá trị chứng minh thông tin về cư trú"]
    {
        p.tick_in(paper, "Đã nhận bản giấy").await.unwrap();
    }
    p.click("Tiếp nhận và in phiếu hẹn").await.unwrap();
    p.sees("PHIẾU TIẾP NHẬN VÀ HẸN TRẢ KẾT QUẢ").await.unwrap();
    p.sees("Hoàng Văn Páo").await.unwrap();
    p.sees("Tờ khai đăng ký khai sinh (bản chính; lập từ biểu mẫu điện tử)").await.unwrap();
    p.sees("Giấy chứng sinh (bản chính; bản giấy)").await.unwrap();
    let code = p.text_of("#slip-code").await.unwrap();
    // The declaration the applicant signs, printed from what the desk typed.
    p.click("← Quay lại hồ sơ").await.unwrap();
    p.click("Tờ khai đăng ký khai sinh (lập từ biểu mẫu điện tử)").await.unwrap();
    p.sees("Hoàng Thị Mỷ").await.unwrap();
    p.sees(&code).await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn walk_in_on_a_phone() {
    walk_in(Screen::Phone).await;
}

#[tokio::test]
async fn walk_in_at_a_desk_screen() {
    walk_in(Screen::Desk).await;
}

/// A leader from the dashboard to a department's index, its on-time indicator, the late
/// dossiers behind it and one of them: each number opens a list of as many dossiers.
async fn leader_drill_down(screen: Screen) {
    let s = crate::demo_server(Backend::Sqlite, 400).await;
    let mut p = person(&s, screen, "dieu-hanh").await;
    log_in(&mut p, "lanhdao@tinhso.local").await;
    p.click("Điều hành").await.unwrap();
    p.click("12 tháng qua").await.unwrap();
    p.sees("Xếp hạng sở, ngành").await.unwrap();
    // The wall screen shows the same period and passes the same checks; back to the usual page.
    p.click("Màn hình tường").await.unwrap();
    p.sees("Điểm toàn tỉnh").await.unwrap();
    p.sees("Số liệu lúc").await.unwrap();
    p.click("Điện thoại, máy tính").await.unwrap();
    p.click("Sở Tư pháp").await.unwrap();
    p.sees("Chỉ số phục vụ (Quyết định 766)").await.unwrap();
    p.click("2.1 Giải quyết đúng hạn").await.unwrap();
    for row in ["Giải quyết đúng hoặc trước hạn", "Hồ sơ đã giải quyết", "Giải quyết trễ hạn"]
    {
        let n = p.click_in_row(row).await.unwrap();
        p.sees(&format!(": {n} hồ sơ")).await.unwrap();
        if row == "Giải quyết trễ hạn" {
            let code = p.open_first_listed().await.unwrap();
            p.sees(&format!("Hồ sơ {code}")).await.unwrap();
        } else {
            p.click("Sở Tư pháp").await.unwrap();
            p.click("2.1 Giải quyết đúng hạn").await.unwrap();
        }
    }
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

/// The province admin corrects a procedure's time limit: from the admin home to the editor, a
/// word where a number belongs first (told beside the field, the rest kept), then the number;
/// the procedure's page confirms the save and shows the new limit.
async fn catalogue_editor(screen: Screen) {
    let s = crate::demo_server(Backend::Sqlite, 0).await;
    let mut p = person(&s, screen, "thu-tuc").await;
    log_in(&mut p, "quantri@tinhso.local").await;
    p.click("Quản trị").await.unwrap();
    p.click("1.001193").await.unwrap();
    p.sees("Sửa thủ tục 1.001193").await.unwrap();
    p.fill("Thời hạn giải quyết", "năm").await.unwrap();
    p.click("Lưu thủ tục").await.unwrap();
    p.sees("Nhập thời hạn giải quyết bằng số, ví dụ 5").await.unwrap();
    p.fill("Thời hạn giải quyết", "5").await.unwrap();
    p.click("Lưu thủ tục").await.unwrap();
    p.sees("Đã lưu thủ tục 1.001193").await.unwrap();
    p.sees("5 ngày làm việc").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn catalogue_editor_on_a_phone() {
    catalogue_editor(Screen::Phone).await;
}

#[tokio::test]
async fn catalogue_editor_at_a_desk_screen() {
    catalogue_editor(Screen::Desk).await;
}

#[tokio::test]
async fn leader_drill_down_on_a_phone() {
    leader_drill_down(Screen::Phone).await;
}

#[tokio::test]
async fn leader_drill_down_at_a_desk_screen() {
    leader_drill_down(Screen::Desk).await;
}

/// The province admin sets how much a citizen may upload: from the admin home, a wrong number
/// first (told at once, beside the field), then the new limits, confirmed.
async fn upload_limits(screen: Screen) {
    let s = crate::demo_server(Backend::Sqlite, 0).await;
    let mut p = person(&s, screen, "han-muc-tai-len").await;
    log_in(&mut p, "quantri@tinhso.local").await;
    p.click("Quản trị").await.unwrap();
    p.click("Hạn mức tải tệp của công dân").await.unwrap();
    p.sees("Đang áp dụng hạn mức mặc định của máy chủ").await.unwrap();
    p.fill("Mỗi ngày (MB)", "năm mươi").await.unwrap();
    p.click("Lưu hạn mức").await.unwrap();
    p.sees("Nhập số nguyên từ 0 đến 100000").await.unwrap();
    p.fill("Mỗi ngày (MB)", "50").await.unwrap();
    p.fill("Tổng dung lượng kho của mỗi công dân (MB)", "500").await.unwrap();
    p.click("Lưu hạn mức").await.unwrap();
    p.sees("Đã lưu").await.unwrap();
    p.open("/quan-tri/tai-len").await.unwrap();
    p.sees("Đang áp dụng hạn mức do tỉnh đặt").await.unwrap();
    // And how the server itself is doing, from the same home.
    p.click("Quản trị").await.unwrap();
    p.click("Tình trạng máy chủ (ổ đĩa, sao lưu, chứng thư số)").await.unwrap();
    p.sees("Ổ đĩa dữ liệu của máy chủ").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn upload_limits_on_a_phone() {
    upload_limits(Screen::Phone).await;
}

#[tokio::test]
async fn upload_limits_at_a_desk_screen() {
    upload_limits(Screen::Desk).await;
}

/// An agency admin, from their account page, locks an officer who left the agency, lets them
/// back in, gives them a new password, which the officer replaces with their own at once, and
/// promotes them; the province's auditor reads each change in the log.
async fn staff_accounts(screen: Screen) {
    let s = crate::server(Backend::Sqlite).await;
    let mut p = person(&s, screen, "tai-khoan-can-bo").await;
    log_in(&mut p, "quantri.coquan@tinhso.local").await;
    p.open("/tai-khoan").await.unwrap();
    p.click("Tài khoản cán bộ").await.unwrap();
    // Locking asks first; "no" goes back to the list with nothing changed.
    p.click_in_row_on("Lý Văn Hùng", "Khóa").await.unwrap();
    p.sees("Khóa tài khoản của Lý Văn Hùng (chuyenvien@tinhso.local)?").await.unwrap();
    p.click("Không, quay lại danh sách").await.unwrap();
    p.click_in_row_on("Lý Văn Hùng", "Khóa").await.unwrap();
    p.click("Khóa tài khoản").await.unwrap();
    p.sees("Đã khóa tài khoản Lý Văn Hùng").await.unwrap();
    p.click_in_row_on("Lý Văn Hùng", "Mở khóa").await.unwrap();
    p.sees("Đã mở khóa tài khoản Lý Văn Hùng").await.unwrap();
    p.click_in_row_on("Lý Văn Hùng", "Cấp lại mật khẩu").await.unwrap();
    p.sees("Mật khẩu mới chỉ hiện một lần").await.unwrap();
    p.click("Cấp mật khẩu mới").await.unwrap();
    p.sees("Đã cấp lại mật khẩu cho tài khoản chuyenvien@tinhso.local").await.unwrap();
    let given = p.text_of("#new-password").await.unwrap();
    // Promoted: the same account, another role; the page says what he is now and what holds.
    p.click_in_row_on("Lý Văn Hùng", "Đổi vai trò, cơ quan").await.unwrap();
    p.sees("Hiện nay: Chuyên viên xử lý, Sở Tư pháp").await.unwrap();
    p.choose("Vai trò mới", "Lãnh đạo phê duyệt").await.unwrap();
    p.click("Lưu vai trò, cơ quan mới").await.unwrap();
    p.sees("Đã đổi Lý Văn Hùng (chuyenvien@tinhso.local) sang Lãnh đạo phê duyệt, Sở Tư pháp").await.unwrap();
    p.quit().await.unwrap();
    // The officer logs in with it and is asked for their own before anything else.
    let mut officer = person(&s, screen, "mat-khau-duoc-cap").await;
    log_in_with(&mut officer, "chuyenvien@tinhso.local", &given).await;
    officer.sees("Mật khẩu hiện tại do quản trị viên cấp").await.unwrap();
    officer.fill("Mật khẩu đang dùng", &given).await.unwrap();
    officer.fill("Mật khẩu mới", "hoa sở Bình Liêu nở trắng đồi").await.unwrap();
    officer.click("Đổi mật khẩu").await.unwrap();
    officer.sees("Đã đổi mật khẩu").await.unwrap();
    officer.open("/thong-bao").await.unwrap();
    officer.sees("Vai trò, cơ quan của tài khoản đã được đổi").await.unwrap();
    officer.quit().await.unwrap();
    let mut auditor = person(&s, screen, "nhat-ky-quan-tri").await;
    log_in(&mut auditor, "kiemtra@tinhso.local").await;
    auditor.open("/tai-khoan").await.unwrap();
    auditor.click("Nhật ký quản trị").await.unwrap();
    auditor.sees("Cấp lại mật khẩu cho cán bộ").await.unwrap();
    auditor.sees("Khóa tài khoản cán bộ").await.unwrap();
    auditor.sees("Chuyên viên xử lý, Sở Tư pháp → Lãnh đạo phê duyệt, Sở Tư pháp").await.unwrap();
    // Only the locks, this year.
    auditor.choose("Loại thay đổi", "Khóa tài khoản cán bộ").await.unwrap();
    auditor.fill("Từ ngày (dd/mm/yyyy)", "01/01/2026").await.unwrap();
    auditor.click("Lọc").await.unwrap();
    let listed = auditor.text_of("table").await.unwrap();
    assert!(listed.contains("Khóa tài khoản cán bộ"), "{listed}");
    assert!(!listed.contains("Cấp lại mật khẩu cho cán bộ"), "{listed}");
    auditor.click("Xem tất cả").await.unwrap();
    // From the log to the integrity checks; the auditor asks for one and reads what it found.
    auditor.click("Kiểm tra toàn vẹn dữ liệu").await.unwrap();
    auditor.sees("Chưa có lần kiểm tra nào").await.unwrap();
    auditor.click("Kiểm tra ngay").await.unwrap();
    let mut found = auditor.sees("Toàn vẹn:").await.is_ok();
    for _ in 0..40 {
        if found {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        auditor.open("/quan-tri/kiem-tra").await.unwrap();
        found = auditor.sees("Toàn vẹn:").await.is_ok();
    }
    assert!(found, "the check the auditor asked for never showed");
    auditor.sees("Đặng Thị Mai").await.unwrap();
    auditor.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn staff_accounts_on_a_phone() {
    staff_accounts(Screen::Phone).await;
}

#[tokio::test]
async fn staff_accounts_at_a_desk_screen() {
    staff_accounts(Screen::Desk).await;
}

/// A citizen reports a pothole from the home page, with a photo, without typing what the
/// platform knows; the leader answers it from the reports they handle; the citizen rates it.
async fn field_report(screen: Screen) {
    let s = crate::server(Backend::Sqlite).await;
    // A real photo (a pothole's colours), so the page has a picture to draw.
    let jpg = tinhso_testkit::server::fresh_data_dir().unwrap().join("o-ga.jpg");
    crate::reports::python(&format!(
        "from PIL import Image\nImage.new('RGB', (1200, 900), (96, 88, 80)).save({:?}, 'JPEG')",
        jpg.display().to_string()
    ));
    let mut p = person(&s, screen, "phan-anh").await;
    log_in(&mut p, "0912345678").await;
    p.open("/").await.unwrap();
    p.click_starting("Phản ánh sự cố nơi bạn sống").await.unwrap();
    p.sees("Gửi phản ánh, kiến nghị").await.unwrap();
    p.choose("Lĩnh vực", "Đường sá, giao thông").await.unwrap();
    p.fill("Nội dung phản ánh", "Ổ gà lớn giữa đường trước chợ, trời mưa rất nguy hiểm").await.unwrap();
    p.choose("Xã, phường", COMMUNE).await.unwrap();
    p.fill("Địa chỉ, mô tả vị trí (số nhà, đường, thôn, gần đâu)", "Trước cổng chợ trung tâm").await.unwrap();
    p.fill("Vĩ độ", "22.123456").await.unwrap();
    p.fill("Kinh độ", "105.234567").await.unwrap();
    p.attach("Ảnh chụp (tối đa 5 ảnh JPEG hoặc PNG)", &jpg).await.unwrap();
    p.click("Gửi phản ánh").await.unwrap();
    p.sees("Đã gửi phản ánh PA-1").await.unwrap();
    p.sees("Bạn đang theo dõi phản ánh này").await.unwrap();
    log_out(&mut p).await;

    log_in(&mut p, "lanhdao@tinhso.local").await;
    p.click("Phản ánh, kiến nghị").await.unwrap();
    p.sees("Vị trí các phản ánh trên trang này").await.unwrap();
    p.click("Phản ánh cần xử lý").await.unwrap();
    p.click("PA-1: Đường sá, giao thông").await.unwrap();
    p.sees_picture("Ảnh 1 của phản ánh PA-1").await.unwrap();
    p.click("Tiếp nhận").await.unwrap();
    p.sees("Cơ quan đã tiếp nhận xử lý").await.unwrap();
    p.choose("Thao tác", "Đã khắc phục").await.unwrap();
    p.fill("Nội dung (trả lời công khai, lý do hoặc ghi chú nội bộ)", "Đã vá ổ gà bằng bê tông nhựa").await.unwrap();
    p.click("Ghi nhận").await.unwrap();
    p.sees("Đã vá ổ gà bằng bê tông nhựa").await.unwrap();
    p.open("/dieu-hanh/phan-anh").await.unwrap();
    p.sees("Theo xã, phường và lĩnh vực").await.unwrap();
    p.click(COMMUNE).await.unwrap();
    p.sees("PA-1: Đường sá, giao thông").await.unwrap();
    log_out(&mut p).await;

    // The citizen finds the answer from the public list, narrowed to their commune (on a phone
    // the list comes first and a link leads down to the filters).
    log_in(&mut p, "0912345678").await;
    p.click("Phản ánh, kiến nghị").await.unwrap();
    if matches!(screen, Screen::Phone) {
        p.press("Tìm và lọc ↓").await.unwrap();
    }
    p.choose("Xã, phường", COMMUNE).await.unwrap();
    p.click("Lọc").await.unwrap();
    p.click("PA-1: Đường sá, giao thông").await.unwrap();
    p.tick("Hài lòng").await.unwrap();
    p.click("Gửi đánh giá").await.unwrap();
    p.sees("Người phản ánh hài lòng").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn field_report_on_a_phone() {
    field_report(Screen::Phone).await;
}

#[tokio::test]
async fn field_report_at_a_desk_screen() {
    field_report(Screen::Desk).await;
}

/// A visitor finds the province's open data from any page, searches it without diacritics,
/// opens a dataset and its table, and filters the table; a specialist makes an API token.
async fn open_data(screen: Screen) {
    let data = tinhso_testkit::server::fresh_data_dir().unwrap();
    let s =
        TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &["--open-data-hours", "24"]).await.unwrap();
    // The figures are published (and loaded into the data store) as the server starts.
    let mut ready = false;
    for _ in 0..100 {
        let r = reqwest::get(format!("{}/api/3/action/package_show?id=thu-tuc-hanh-chinh", s.url)).await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        if v["result"]["resources"][0]["datastore_active"] == true {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the province's figures were not published");
    let mut p = person(&s, screen, "du-lieu-mo").await;
    p.open("/").await.unwrap();
    p.click("Dữ liệu mở").await.unwrap();
    p.sees("Chủ đề").await.unwrap();
    p.fill("Tìm bộ dữ liệu (gõ có dấu hay không dấu đều được)", "thu tuc phi le phi").await.unwrap();
    p.click("Tìm").await.unwrap();
    p.sees("1 bộ dữ liệu").await.unwrap();
    p.click("Dịch vụ công").await.unwrap();
    p.click("Thủ tục hành chính, thời hạn và phí, lệ phí").await.unwrap();
    p.sees("Giấy phép").await.unwrap();
    p.click_starting("Thủ tục hành chính, thời hạn và phí, lệ phí").await.unwrap();
    p.sees("Đã nạp vào kho dữ liệu").await.unwrap();
    p.choose("Lọc theo cột", "Lĩnh vực").await.unwrap();
    p.fill("Bằng giá trị", "Hộ tịch").await.unwrap();
    p.click("Lọc").await.unwrap();
    p.sees("dòng phù hợp").await.unwrap();
    p.sees("Thủ tục đăng ký khai sinh").await.unwrap();
    log_in(&mut p, "chuyenvien@tinhso.local").await;
    // The specialist finds their keys from their account page.
    p.open("/tai-khoan").await.unwrap();
    p.click("Khóa API dữ liệu mở").await.unwrap();
    p.fill("Tên khóa (để bạn nhận ra, ví dụ “Máy chủ báo cáo”)", "Máy chủ thống kê").await.unwrap();
    p.click("Tạo khóa").await.unwrap();
    p.sees("Khóa mới của bạn").await.unwrap();
    // ... and publishes a table from the portal, told every problem at once first.
    let csv = tinhso_testkit::server::fresh_data_dir().unwrap().join("dan-so.csv");
    std::fs::write(&csv, "Xã;Dân số\nAn Tường;12000\nMinh Xuân;8500\n").unwrap();
    p.open("/du-lieu").await.unwrap();
    p.click("Công bố bộ dữ liệu").await.unwrap();
    p.click("Công bố").await.unwrap();
    p.sees("Hãy nhập tên bộ dữ liệu").await.unwrap();
    p.sees("Hãy chọn tệp dữ liệu hoặc nhập đường dẫn").await.unwrap();
    p.fill("Tên bộ dữ liệu", "Dân số các xã năm 2025").await.unwrap();
    p.fill("Thẻ (cách nhau bởi dấu phẩy)", "dân số, xã").await.unwrap();
    p.choose("Chủ đề", "Dân cư và xã hội").await.unwrap();
    p.attach("Tệp dữ liệu (tối đa 10 MB)", &csv).await.unwrap();
    p.click("Công bố").await.unwrap();
    p.sees("Dân số các xã năm 2025").await.unwrap();
    p.sees("dan-so.csv").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn open_data_on_a_phone() {
    open_data(Screen::Phone).await;
}

#[tokio::test]
async fn open_data_at_a_desk_screen() {
    open_data(Screen::Desk).await;
}

/// A citizen pays a fee from a phone: the dossier's page, the fee page with its VietQR code,
/// the gateway, back with the payment confirmed, then the receipt checked on the verifier.
async fn pay_and_verify(screen: Screen) {
    let gw = tinhso_testkit::gateway::Gateway::start().await.unwrap();
    let s = crate::payments_server(Backend::Sqlite, &gw).await;
    let api = crate::dossier::Caller::login(&s, "0912345678", PASSWORD).await;
    let code = crate::payments::awaiting_fee(&s, &api).await;
    let mut p = person(&s, screen, "nop-phi").await;
    log_in(&mut p, "0912345678").await;
    // Their list says what waits on them and leads to it.
    p.click("Hồ sơ").await.unwrap();
    p.click("1 hồ sơ cần ông/bà nộp phí, lệ phí").await.unwrap();
    p.click(&code).await.unwrap();
    p.click("Nộp phí trực tuyến").await.unwrap();
    p.sees("Chuyển khoản bằng mã VietQR").await.unwrap();
    p.sees("Nội dung chuyển khoản").await.unwrap();
    p.click("Thanh toán 8.000 đồng").await.unwrap();
    p.sees("Cổng thanh toán (giả lập)").await.unwrap();
    p.click("Xác nhận thanh toán").await.unwrap();
    p.sees("Đã nộp phí, lệ phí").await.unwrap();
    p.click("Trang nộp phí").await.unwrap();
    p.sees("Đã thanh toán").await.unwrap();
    p.click_starting("BL-").await.unwrap();
    p.sees("Văn bản do nền tảng ban hành, đang có hiệu lực").await.unwrap();
    p.sees("Biên lai thu phí, lệ phí điện tử").await.unwrap();
    // A code typed wrong is said so, in words.
    p.fill("Mã xác thực", "KQ-0000-0000-0000").await.unwrap();
    p.click("Tra mã").await.unwrap();
    p.sees("Không tìm thấy văn bản có mã").await.unwrap();
    p.quit().await.unwrap();
}

#[tokio::test]
async fn pay_and_verify_on_a_phone() {
    pay_and_verify(Screen::Phone).await;
}

#[tokio::test]
async fn pay_and_verify_at_a_desk_screen() {
    pay_and_verify(Screen::Desk).await;
}

/// A citizen who forgot their password, on their own device after a visit to the commune's
/// desk: the officer checks the identity card and gives a code; the citizen finds "Quên mật
/// khẩu?" on the login page, sets a new password with the code and reads the notice of it.
async fn forgotten_password(screen: Screen) {
    let s = crate::server(Backend::Sqlite).await;
    let mut desk = person(&s, screen, "quen-mat-khau-quay").await;
    log_in(&mut desk, "motcua.2269@tinhso.local").await;
    desk.click("Hồ sơ").await.unwrap();
    desk.click("Tiếp nhận hồ sơ trực tiếp").await.unwrap();
    desk.click("Đặt lại mật khẩu cho công dân quên mật khẩu").await.unwrap();
    desk.fill("Số định danh cá nhân trên thẻ căn cước", "008090001234").await.unwrap();
    desk.tick("Tôi đã đối chiếu thẻ căn cước của người đề nghị").await.unwrap();
    desk.click("Cấp mã đặt lại mật khẩu").await.unwrap();
    desk.sees("Đã cấp mã cho Nguyễn Văn An").await.unwrap();
    let code = desk.text_of(".big-code").await.unwrap();
    desk.quit().await.unwrap();

    let mut p = person(&s, screen, "quen-mat-khau").await;
    p.open("/dang-nhap").await.unwrap();
    p.click("Quên mật khẩu?").await.unwrap();
    p.sees("mang thẻ căn cước đến Bộ phận Một cửa").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", "0912345678").await.unwrap();
    p.fill("Số định danh cá nhân", "008090001234").await.unwrap();
    p.fill("Mã Bộ phận Một cửa cấp", &code).await.unwrap();
    p.fill("Mật khẩu mới", CITIZEN_PASSWORD).await.unwrap();
    p.click("Đặt mật khẩu mới").await.unwrap();
    p.sees("Đã đổi mật khẩu").await.unwrap();
    p.click("Thông báo").await.unwrap();
    p.sees("Mật khẩu tài khoản đã được đặt lại").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn forgotten_password_on_a_phone() {
    forgotten_password(Screen::Phone).await;
}

#[tokio::test]
async fn forgotten_password_at_a_desk_screen() {
    forgotten_password(Screen::Desk).await;
}
