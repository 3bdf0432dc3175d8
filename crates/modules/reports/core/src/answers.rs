//! Standard answers staff start from (response templates): the usual wording for the usual
//! outcomes, so a commune officer on a phone writes less and says it the way the province does.

/// (key, label, text). The text is published as written, in Vietnamese.
pub const ANSWERS: [(&str, &str, &str); 6] = [
    (
        "dang-kiem-tra",
        "Đang kiểm tra thực tế",
        "Cơ quan đã tiếp nhận phản ánh và đang kiểm tra thực tế. Kết quả sẽ được cập nhật trên trang này.",
    ),
    (
        "can-bo-sung",
        "Đề nghị cho biết vị trí cụ thể",
        "Đề nghị bạn cho biết vị trí cụ thể hơn (số nhà, tên đường, thôn, mốc gần nhất) hoặc gửi thêm ảnh chụp.",
    ),
    ("len-lich", "Đã đưa vào kế hoạch", "Cơ quan đã đưa việc khắc phục vào kế hoạch và sẽ thông báo khi hoàn thành."),
    ("da-khac-phuc", "Đã khắc phục", "Cơ quan đã kiểm tra và khắc phục xong. Cảm ơn bạn đã phản ánh."),
    (
        "khong-tham-quyen",
        "Không thuộc thẩm quyền",
        "Nội dung phản ánh không thuộc thẩm quyền giải quyết của cơ quan; đã chuyển đến cơ quan có thẩm quyền.",
    ),
    (
        "khong-vi-pham",
        "Kiểm tra không thấy vi phạm",
        "Cơ quan đã kiểm tra thực tế và không phát hiện vi phạm như nội dung phản ánh.",
    ),
];

/// The answers' labels in English, in the order of `ANSWERS`.
pub const LABELS_EN: [&str; 6] = [
    "Being checked on the ground",
    "Ask for the exact place",
    "Put in the work plan",
    "Fixed",
    "Not ours to handle",
    "Checked, no breach found",
];

/// The text of answer `key`, if there is one.
pub fn answer(key: &str) -> Option<&'static str> {
    ANSWERS.iter().find(|(k, _, _)| *k == key).map(|(_, _, t)| *t)
}
