//! Province set-up from the shipped national data, and the demo province.

pub use crate::sample_catalogue::demo_catalogue;
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use tinhso_catalogue::procedure::Procedure;
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::ids::{AgencyCode, PersonalId};
use tinhso_kernel::province::{reform_date, Agency, AgencyKind, AgencyLevel, DivisionType, Province, Unit};
use tinhso_kernel::text::fold;
use tinhso_policy::Role;
use tinhso_store::admin::{AdminAct, CONSOLE};
use tinhso_store::{NewAccount, ProvinceSetup, StoreError, Stores};

const DIVISIONS: &str = include_str!("../data/divisions-2025.json");
const CALENDARS: [&str; 3] = [
    include_str!("../data/calendar/2024.json"),
    include_str!("../data/calendar/2025.json"),
    include_str!("../data/calendar/2026.json"),
];

pub const DEMO_PROVINCE: &str = "Tuyên Quang";
pub const DEMO_PASSWORD: &str = "TuyenQuang-demo-2025";
const DEMO_CITIZEN: &str = "0912345678";
/// A demo person the history's dossiers were drawn for (see `demo_history`).
const HISTORY_CITIZEN: &str = "0913000001";

#[derive(Deserialize)]
struct RawProvince {
    name: String,
    code: u32,
    division_type: String,
    wards: Vec<RawWard>,
}

#[derive(Deserialize)]
struct RawWard {
    name: String,
    code: u32,
    division_type: String,
}

pub fn official_calendar_years() -> Result<Vec<YearCalendar>> {
    CALENDARS
        .iter()
        .map(|s| {
            let y: YearCalendar = serde_json::from_str(s).context("shipped calendar file")?;
            y.validate().map_err(|e| anyhow!("shipped calendar {}: {e}", y.year))?;
            Ok(y)
        })
        .collect()
}

fn find_province(name: &str) -> Result<RawProvince> {
    let all: Vec<RawProvince> = serde_json::from_str(DIVISIONS).context("shipped divisions file")?;
    let strip = |s: &str| {
        let f = fold(s);
        f.strip_prefix("thanh pho ").or_else(|| f.strip_prefix("tinh ")).unwrap_or(&f).trim().to_owned()
    };
    let wanted = strip(name);
    let names: Vec<String> = all.iter().map(|p| p.name.clone()).collect();
    all.into_iter()
        .find(|p| strip(&p.name) == wanted)
        .ok_or_else(|| anyhow!("không có tỉnh \"{name}\" / no province named \"{name}\"; one of: {}", names.join(", ")))
}

pub(crate) fn code(s: &str) -> Result<AgencyCode> {
    AgencyCode::parse("agency", s).map_err(|e| anyhow!("{e}"))
}

/// Provincial departments after the 2025 reorganisation, with the part of their identifier code.
const DEPARTMENTS: &[(&str, &str)] = &[
    ("01", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("02", "Sở Nội vụ"),
    ("03", "Sở Tư pháp"),
    ("04", "Sở Tài chính"),
    ("05", "Sở Công Thương"),
    ("06", "Sở Nông nghiệp và Môi trường"),
    ("07", "Sở Xây dựng"),
    ("08", "Sở Khoa học và Công nghệ"),
    ("09", "Sở Giáo dục và Đào tạo"),
    ("10", "Sở Y tế"),
    ("11", "Sở Văn hóa, Thể thao và Du lịch"),
    ("12", "Sở Dân tộc và Tôn giáo"),
    ("13", "Thanh tra tỉnh"),
    ("20", "Công an tỉnh"),
    ("21", "Bảo hiểm xã hội tỉnh"),
    ("22", "Bộ Chỉ huy Quân sự tỉnh"),
];

/// Identifier codes follow the Decision 20/2020/QĐ-TTg shape `000.00.NN.Hxx`. The province part
/// is derived from the statistics code as a placeholder until the province enters its own.
fn suffix(province_code: u32) -> String {
    format!("H{province_code:02}")
}

pub fn province_agency(province_code: u32) -> String {
    format!("000.00.00.{}", suffix(province_code))
}

pub fn department(province_code: u32, part: &str) -> String {
    format!("000.00.{part}.{}", suffix(province_code))
}

pub fn service_centre(province_code: u32) -> String {
    format!("000.00.90.{}", suffix(province_code))
}

/// Commune People's Committees: `000.AA.BB.Hxx` with AA from 20 up, in the order of the list.
pub fn commune_committee(province_code: u32, index: usize) -> String {
    let n = index + 1;
    format!("000.{:02}.{:02}.{}", 20 + n / 100, n % 100, suffix(province_code))
}

fn setup_for(raw: &RawProvince) -> Result<ProvinceSetup> {
    let pc = raw.code;
    let province = Province {
        code: pc,
        name: raw.name.clone(),
        division_type: raw.division_type.clone(),
        agency_code_suffix: suffix(pc),
    };
    let units = raw
        .wards
        .iter()
        .map(|w| {
            Ok(Unit {
                code: w.code,
                name: w.name.clone(),
                division_type: DivisionType::from_label(&w.division_type)
                    .ok_or_else(|| anyhow!("unknown division type {}", w.division_type))?,
                province_code: pc,
                valid_from: reform_date(),
                valid_to: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let top = code(&province_agency(pc))?;
    let mut agencies = vec![Agency {
        code: top.clone(),
        name: format!("Ủy ban nhân dân {}", formal_name(raw)),
        level: AgencyLevel::Province,
        kind: AgencyKind::PeoplesCommittee,
        parent: None,
        unit_code: None,
    }];
    for (part, name) in DEPARTMENTS {
        agencies.push(Agency {
            code: code(&department(pc, part))?,
            name: (*name).to_owned(),
            level: AgencyLevel::Province,
            kind: AgencyKind::Department,
            parent: Some(top.clone()),
            unit_code: None,
        });
    }
    agencies.push(Agency {
        code: code(&service_centre(pc))?,
        name: format!("Trung tâm Phục vụ hành chính công {}", formal_name(raw)),
        level: AgencyLevel::Province,
        kind: AgencyKind::ServiceCentre,
        parent: Some(top.clone()),
        unit_code: None,
    });
    for (i, u) in units.iter().enumerate() {
        agencies.push(Agency {
            code: code(&commune_committee(pc, i))?,
            name: format!("Ủy ban nhân dân {}", lower_first(&u.name)),
            level: AgencyLevel::Commune,
            kind: AgencyKind::PeoplesCommittee,
            parent: Some(top.clone()),
            unit_code: Some(u.code),
        });
    }
    Ok(ProvinceSetup { province, units, agencies, accounts: Vec::new() })
}

/// The province as it reads inside an agency's name: "tỉnh Tuyên Quang", "thành phố Huế".
fn formal_name(raw: &RawProvince) -> String {
    if fold(&raw.name).starts_with("thanh pho ") {
        lower_first(&raw.name)
    } else {
        format!("{} {}", raw.division_type, raw.name)
    }
}

/// "Xã Minh Xuân" -> "xã Minh Xuân", as it reads inside a name.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

/// Sets a province up: the catalogue's calendar and procedures first (idempotent upserts),
/// the province model and its accounts last, in one transaction. The province existing is
/// thus the sign that all of it was written; a set-up cut short is redone whole.
async fn set_up(store: &Stores, setup: &ProvinceSetup, procedures: &[Procedure]) -> Result<(), StoreError> {
    // Recorded in the administrators' log as the platform's own, so that the audit vouches
    // for every procedure and calendar year from the first day.
    let by = AdminAct { actor: CONSOLE, at: chrono::Utc::now() };
    for year in official_calendar_years().map_err(|e| StoreError::Corrupt(e.to_string()))? {
        store.catalogue.put_calendar_year(&year, &tinhso_store::admin::Basis::Any, &by).await?;
    }
    store.catalogue.upsert_procedures(procedures, &by).await?;
    store.province.setup_province(setup).await
}

/// `tinhso init`: a province without demo data, and its first admin.
pub async fn init_province(store: &Stores, name: &str, admin: &str) -> Result<()> {
    if let Some(p) = store.province.province().await? {
        bail!("cơ sở dữ liệu đã thiết lập {} / the database already holds {}", p.name, p.name);
    }
    let raw = find_province(name)?;
    let mut setup = setup_for(&raw)?;
    let login = tinhso_kernel::ids::Login::parse("admin", admin).map_err(|e| anyhow!("--admin: {}", e.message))?;
    let password = tinhso_identity::new_one_time_password().map_err(|e| anyhow!("{e}"))?;
    let hash = tinhso_identity::hash_password(&password).map_err(|e| anyhow!("{e}"))?;
    setup.accounts.push(NewAccount {
        login: login.as_str().to_owned(),
        full_name: "Quản trị tỉnh".to_owned(),
        password_hash: hash,
        role: Role::ProvinceAdmin,
        agency: Some(code(&province_agency(raw.code))?),
        personal_id: None,
    });
    set_up(store, &setup, &[]).await?;
    // The password is printed here, so whoever reads the console knows it: the admin sets
    // their own at first login (and the console's act is on the administrators' log).
    let admin =
        store.identity.account_by_login(login.as_str()).await?.ok_or_else(|| anyhow!("the admin was not stored"))?;
    let by = tinhso_store::admin::AdminAct { actor: tinhso_store::admin::CONSOLE, at: chrono::Utc::now() };
    let change = tinhso_store::staff_change::StaffChange::new_password(admin.id, &admin.password_hash);
    store.identity.change_staff(&change, &by).await?;
    println!(
        "Đã thiết lập {} với {} đơn vị hành chính cấp xã và {} cơ quan.",
        setup.province.name,
        setup.units.len(),
        setup.agencies.len()
    );
    println!(
        "Tài khoản quản trị tỉnh: {}  mật khẩu: {password}  (chỉ hiển thị một lần; đổi ngay ở lần đăng nhập đầu)",
        login.as_str()
    );
    println!("Nhập danh mục thủ tục: tinhso catalogue import <tệp.json|tệp.csv>");
    Ok(())
}

struct DemoAccount {
    login: &'static str,
    name: &'static str,
    role: Role,
    agency: Option<String>,
}

fn demo_accounts(pc: u32) -> Vec<DemoAccount> {
    let justice = Some(department(pc, "03"));
    vec![
        DemoAccount { login: DEMO_CITIZEN, name: "Nguyễn Văn An", role: Role::Citizen, agency: None },
        DemoAccount {
            login: "tiepnhan@tinhso.local",
            name: "Hoàng Thị Lan",
            role: Role::Receptionist,
            agency: Some(service_centre(pc)),
        },
        DemoAccount {
            login: "chuyenvien@tinhso.local",
            name: "Lý Văn Hùng",
            role: Role::Specialist,
            agency: justice.clone(),
        },
        DemoAccount {
            login: "pheduyet@tinhso.local",
            name: "Ma Thị Hạnh",
            role: Role::Approver,
            agency: justice.clone(),
        },
        DemoAccount {
            login: "quantri.coquan@tinhso.local",
            name: "Triệu Văn Minh",
            role: Role::AgencyAdmin,
            agency: justice,
        },
        DemoAccount {
            login: "quantri@tinhso.local",
            name: "Nông Thị Thu",
            role: Role::ProvinceAdmin,
            agency: Some(province_agency(pc)),
        },
        DemoAccount {
            login: "lanhdao@tinhso.local",
            name: "Phạm Văn Quang",
            role: Role::Leader,
            agency: Some(province_agency(pc)),
        },
        DemoAccount { login: "kiemtra@tinhso.local", name: "Đặng Thị Mai", role: Role::Auditor, agency: None },
        DemoAccount { login: "thamdinh@tinhso.local", name: "Lý Văn Hùng", role: Role::DtiAppraiser, agency: None },
    ]
}

/// The demo province: Tuyên Quang with its communes, agencies, demo accounts for every role,
/// the sample national catalogue and the official calendars.
pub async fn demo(store: &Stores, dossiers: usize) -> Result<()> {
    let raw = find_province(DEMO_PROVINCE)?;
    let mut setup = setup_for(&raw)?;
    let hash = tinhso_identity::hash_password(DEMO_PASSWORD).map_err(|e| anyhow!("{e}"))?;
    let account = |login: String, name: String, role: Role, agency: Option<String>| -> Result<NewAccount> {
        Ok(NewAccount {
            login,
            full_name: name,
            password_hash: hash.clone(),
            role,
            agency: agency.as_deref().map(code).transpose()?,
            personal_id: None,
        })
    };
    for a in demo_accounts(raw.code) {
        let mut new = account(a.login.to_owned(), a.name.to_owned(), a.role, a.agency)?;
        new.personal_id =
            (a.role == Role::Citizen).then(|| PersonalId::parse("personal_id", "008090001234")).transpose()?;
        setup.accounts.push(new);
    }
    // Staff behind the demo history: every department decides, ten communes run desks.
    let pc = raw.code;
    for (part, name) in DEPARTMENTS {
        let dept = Some(department(pc, part));
        setup.accounts.push(account(
            format!("cv.{part}@tinhso.local"),
            format!("Chuyên viên {name}"),
            Role::Specialist,
            dept.clone(),
        )?);
        setup.accounts.push(account(
            format!("ld.{part}@tinhso.local"),
            format!("Lãnh đạo {name}"),
            Role::Approver,
            dept,
        )?);
    }
    for (i, w) in raw.wards.iter().take(DEMO_COMMUNES).enumerate() {
        let c = Some(commune_committee(pc, i));
        for (prefix, role) in [("motcua", Role::Receptionist), ("cv", Role::Specialist), ("ld", Role::Approver)] {
            setup.accounts.push(account(
                format!("{prefix}.{}@tinhso.local", w.code),
                format!("{} {}", role.label_vi(), w.name),
                role,
                c.clone(),
            )?);
        }
    }
    for (i, name) in demo_citizen_names().into_iter().enumerate() {
        let mut a = account(format!("09130000{i:02}"), name, Role::Citizen, None)?;
        a.personal_id = Some(PersonalId::parse("personal_id", &format!("0080{:02}{:06}", 70 + i % 30, 100 + i))?);
        setup.accounts.push(a);
    }
    let procedures = demo_catalogue(pc)?;
    match set_up(store, &setup, &procedures).await {
        Ok(()) => tracing::info!(procedures = procedures.len(), units = setup.units.len(), "demo province seeded"),
        // Another process set it up first (two servers starting on one PostgreSQL): its
        // transaction committed everything, so there is nothing left to do.
        Err(StoreError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if dossiers > 0 {
        let started = std::time::Instant::now();
        let n = demo_history(store, &raw, &setup, &procedures, dossiers).await?;
        tracing::info!(
            dossiers = n,
            ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "demo history imported"
        );
    }
    Ok(())
}

/// Communes with demo desks and staff.
const DEMO_COMMUNES: usize = 10;

fn demo_citizen_names() -> Vec<String> {
    let family =
        ["Nguyễn", "Hoàng", "Nông", "Ma", "Triệu", "Lý", "Đặng", "Vàng", "Sùng", "Giàng", "Lò", "Hà", "Phạm", "Trần"];
    let middle = ["Văn", "Thị", "Minh", "Thanh", "Đức"];
    let given = [
        "An", "Bình", "Chiến", "Dung", "Giang", "Hạnh", "Hùng", "Khánh", "Lan", "Mai", "Nga", "Phúc", "Quỳnh", "Sơn",
        "Tâm", "Thảo", "Tuấn", "Vân", "Xuân", "Yến",
    ];
    (0..40)
        .map(|i| format!("{} {} {}", family[i % family.len()], middle[i % middle.len()], given[(i * 7) % given.len()]))
        .collect()
}

async fn demo_history(
    store: &Stores,
    raw: &RawProvince,
    setup: &ProvinceSetup,
    procedures: &[Procedure],
    n: usize,
) -> Result<usize> {
    let pc = raw.code;
    let ids: std::collections::HashMap<String, tinhso_kernel::ids::AccountId> =
        store.identity.accounts().await?.into_iter().map(|a| (a.login, a.id)).collect();
    let id = |login: &str| ids.get(login).copied().ok_or_else(|| anyhow!("demo account {login} missing"));
    let mut staff = crate::demo::Staff::default();
    let centre = code(&service_centre(pc))?;
    staff.receptionist.insert(centre.clone(), id("tiepnhan@tinhso.local")?);
    for (part, _) in DEPARTMENTS {
        let dept = code(&department(pc, part))?;
        staff.specialist.insert(dept.clone(), id(&format!("cv.{part}@tinhso.local"))?);
        staff.approver.insert(dept, id(&format!("ld.{part}@tinhso.local"))?);
    }
    let mut communes = Vec::new();
    for (i, w) in raw.wards.iter().take(DEMO_COMMUNES).enumerate() {
        let c = code(&commune_committee(pc, i))?;
        staff.receptionist.insert(c.clone(), id(&format!("motcua.{}@tinhso.local", w.code))?);
        staff.specialist.insert(c.clone(), id(&format!("cv.{}@tinhso.local", w.code))?);
        staff.approver.insert(c.clone(), id(&format!("ld.{}@tinhso.local", w.code))?);
        communes.push((w.code, c));
    }
    let citizens: Vec<crate::demo::Citizen> = setup
        .accounts
        .iter()
        .filter(|a| a.role == Role::Citizen && a.login.starts_with("0913"))
        .map(|a| {
            Ok(crate::demo::Citizen {
                id: id(&a.login)?,
                name: a.full_name.clone(),
                phone: a.login.clone(),
                personal_id: a.personal_id.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            })
        })
        .collect::<Result<_>>()?;
    let calendar = tinhso_kernel::calendar::WorkingCalendar::new(official_calendar_years()?);
    let world = crate::demo::World {
        calendar: &calendar,
        procedures,
        citizens: &citizens,
        staff: &staff,
        service_centre: centre,
        communes: &communes,
        now: chrono::Utc::now(),
    };
    let history = crate::demo::history(&world, n);
    let imported = store.dossiers.import_dossiers(&history).await?;
    // Field reports too, a report for every 25 dossiers (60 with the default history).
    crate::demo_reports::seed(store, &world, n / 25).await?;
    // Last year's digital-transformation index, appraised and published by the province admin,
    // with the history (an empty demo keeps the index empty, as the tests start it).
    if n > 0 {
        crate::demo_dti::seed(store, &world, id("quantri@tinhso.local")?).await?;
    }
    Ok(imported)
}

/// Whether the database holds the demo accounts (whose password is published).
pub async fn has_demo_accounts(store: &Stores) -> Result<bool> {
    Ok(store.identity.account_by_login(DEMO_CITIZEN).await?.is_some())
}

pub async fn print_demo_accounts(store: &Stores) -> Result<()> {
    let Some(p) = store.province.province().await? else {
        return Ok(());
    };
    if store.identity.account_by_login(DEMO_CITIZEN).await?.is_none() {
        return Ok(());
    }
    println!("Tài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):");
    for a in demo_accounts(p.code) {
        if let Some(acc) = store.identity.account_by_login(a.login).await? {
            println!("  {:<30} {}", acc.login, acc.role.label_vi());
        }
    }
    // The demo history's dossiers belong to other demo people, so the first account above
    // starts empty; one of them shows a citizen's pages with dossiers in every state.
    if let Some(a) = store.identity.account_by_login(HISTORY_CITIZEN).await? {
        let q = tinhso_store::DossierQuery { applicant: Some(a.id), limit: 1, ..Default::default() };
        if !store.dossiers.dossiers(&q).await?.is_empty() {
            println!("Người dân có hồ sơ trong lịch sử dùng thử (cùng mật khẩu):");
            println!("  {HISTORY_CITIZEN:<30} {}", Role::Citizen.label_vi());
        }
    }
    // Commune dossiers (birth registration, residence...) are received and decided at the
    // commune: its desk, specialist and leader, for the first communes of the demo.
    println!("Cán bộ cấp xã dùng thử (cùng mật khẩu):");
    let raw = find_province(DEMO_PROVINCE)?;
    for w in raw.wards.iter().take(3) {
        for (prefix, role) in [("motcua", Role::Receptionist), ("cv", Role::Specialist), ("ld", Role::Approver)] {
            let login = format!("{prefix}.{}@tinhso.local", w.code);
            if store.identity.account_by_login(&login).await?.is_some() {
                println!("  {login:<30} {} — {}", role.label_vi(), w.name);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuyen_quang_has_124_communes_and_its_agencies() {
        let raw = find_province("tuyen quang").unwrap();
        let setup = setup_for(&raw).unwrap();
        assert_eq!(setup.units.len(), 124);
        assert_eq!(setup.agencies.iter().filter(|a| a.level == AgencyLevel::Commune).count(), 124);
        assert!(setup.agencies.iter().any(|a| a.kind == AgencyKind::ServiceCentre));
        assert_eq!(setup.agencies[0].name, "Ủy ban nhân dân tỉnh Tuyên Quang");
        assert!(setup.agencies.iter().any(|a| a.name.starts_with("Ủy ban nhân dân xã ")));
        let codes: std::collections::HashSet<_> = setup.agencies.iter().map(|a| a.code.clone()).collect();
        assert_eq!(codes.len(), setup.agencies.len(), "agency codes are unique");
    }

    #[test]
    fn every_province_sets_up() {
        let all: Vec<RawProvince> = serde_json::from_str(DIVISIONS).unwrap();
        assert_eq!(all.len(), 34);
        assert_eq!(all.iter().map(|p| p.wards.len()).sum::<usize>(), 3321);
        for p in &all {
            setup_for(p).unwrap();
        }
        assert!(find_province("Thành phố Hà Nội").is_ok() && find_province("ha noi").is_ok());
        assert!(find_province("Hà Giang").is_err(), "merged into Tuyên Quang in 2025");
    }

    #[test]
    fn shipped_calendars_are_valid() {
        let years = official_calendar_years().unwrap();
        assert_eq!(years.iter().map(|y| y.year).collect::<Vec<_>>(), vec![2024, 2025, 2026]);
    }
}
