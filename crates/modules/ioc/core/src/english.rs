//! The index's words in English, the platform's second language: indicator names and
//! formulas by the indicator's key, group names by the group's key (the inputs carry their
//! own, `Input::label_en`). The Vietnamese words stay where the rules are (`index.rs`); a
//! unit test checks every one has its English here.

/// An indicator's name and formula.
pub fn indicator(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "1.1" => ("Procedures published in full", "Procedures published with all 7 parts / all procedures"),
        "1.2" => (
            "Dossiers synchronised to the National Public Service Portal",
            "Dossiers synchronised / dossiers received (entered with evidence)",
        ),
        "2.1" => (
            "Decided on time",
            "Dossiers decided on time or early / dossiers decided (time waiting for a supplement not counted; more than one supplement counts as late)",
        ),
        "2.2" => ("Average time to decide", "Working days allowed / working days taken (at most 100%)"),
        "3.1" => (
            "Procedures offered online",
            "Procedures fully or partly online / all procedures (full points from the threshold)",
        ),
        "3.2" => (
            "Online services with dossiers",
            "Online services that received dossiers / online services (entered with evidence)",
        ),
        "3.3" => ("Dossiers applied for online", "Dossiers applied for online / dossiers received (full points from the threshold)"),
        "3.5" => (
            "Procedures with fees payable online",
            "Procedures whose fees can be paid online (payment gateway or the province's VietQR) / procedures with fees",
        ),
        "3.6" => ("Dossiers paid online", "Dossiers whose fees were paid online / dossiers whose fees were paid"),
        "4.1" => ("Electronic results", "Dossiers with an electronic result / dossiers decided"),
        "4.2" => ("Dossiers digitised", "Dossiers with a digitised document / dossiers received"),
        "4.3" => (
            "Digitised data reused",
            "Dossiers reusing a document already in the citizen's store (uploaded over an hour before) / dossiers received",
        ),
        "5.1-5.3" => (
            "Feedback received and handled",
            "Feedback on procedures and public services handled on time / feedback handled or due (duplicates not counted)",
        ),
        "5.4" => ("Satisfaction", "100% − (share decided late + share dissatisfied), of dossiers decided"),
        _ => return None,
    })
}

/// A group's name, by the key the weights give it.
pub fn group(key: &str) -> Option<&'static str> {
    Some(match key {
        "publication" => "Publication and transparency",
        "timeliness" => "Time to decide",
        "online" => "Online public services",
        "payment" => "Online payment",
        "digitisation" => "Digitisation",
        "satisfaction" => "Satisfaction",
        _ => return None,
    })
}
