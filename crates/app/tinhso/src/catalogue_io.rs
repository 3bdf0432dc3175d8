//! `tinhso catalogue import|export`: JSON (an array of procedures in the API's shape) or CSV
//! (one row per procedure; lists as JSON inside their cells). An import is all or nothing.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;
use tinhso_catalogue::procedure::{CompetentAgency, Level, Procedure, ProcessingTime};
use tinhso_store::Stores;

/// Most row errors printed before "and N more".
const SHOWN_ERRORS: usize = 50;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvRow {
    code: String,
    name: String,
    field: String,
    /// `province;commune`
    levels: String,
    /// An agency identifier code, or `commune_committee`.
    competent_agency: String,
    /// `working_days` or `working_hours`; empty when unpublished.
    processing_time_unit: String,
    processing_time_value: String,
    processing_time_estimated: String,
    fee_vnd: String,
    fee_note: String,
    online_level: String,
    /// JSON array of components.
    components: String,
    /// JSON array of e-form fields.
    form_fields: String,
    legal_basis: String,
    result_type: String,
    /// JSON array of workflow steps; empty for the default process (files without the column load).
    #[serde(default)]
    steps: String,
    /// `true` when the online level is an estimate (files without the column load as published).
    #[serde(default)]
    online_level_estimated: String,
    /// `people`, `organizations` or `people_and_organizations` (empty or absent: the last).
    #[serde(default)]
    applicants: String,
}

enum Format {
    Json,
    Csv,
}

fn format_of(path: &Path) -> Result<Format> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        _ => bail!("tệp phải có đuôi .json hoặc .csv / the file must end in .json or .csv"),
    }
}

fn to_row(p: &Procedure) -> Result<CsvRow> {
    let (unit, value) = match p.processing_time {
        Some(ProcessingTime::WorkingDays(n)) => ("working_days", n.to_string()),
        Some(ProcessingTime::WorkingHours(n)) => ("working_hours", n.to_string()),
        None => ("", String::new()),
    };
    Ok(CsvRow {
        code: p.code.to_string(),
        name: p.name.clone(),
        field: p.field.clone(),
        levels: p.levels.iter().map(|l| l.key()).collect::<Vec<_>>().join(";"),
        competent_agency: match &p.competent_agency {
            CompetentAgency::CommuneCommittee => "commune_committee".into(),
            CompetentAgency::Agency(c) => c.to_string(),
        },
        processing_time_unit: unit.into(),
        processing_time_value: value,
        processing_time_estimated: p.processing_time_estimated.to_string(),
        fee_vnd: p.fee.amount_vnd.map(|n| n.to_string()).unwrap_or_default(),
        fee_note: p.fee.note.clone(),
        online_level: p.online_level.key().into(),
        components: serde_json::to_string(&p.components)?,
        form_fields: serde_json::to_string(&p.form_fields)?,
        legal_basis: p.legal_basis.clone(),
        result_type: p.result_type.clone(),
        steps: if p.steps.is_empty() { String::new() } else { serde_json::to_string(&p.steps)? },
        online_level_estimated: p.online_level_estimated.to_string(),
        applicants: p.applicants.key().into(),
    })
}

/// A CSV row as the JSON value a procedure deserialises from, so both formats share one parser.
fn row_value(r: CsvRow) -> std::result::Result<serde_json::Value, String> {
    let levels: Vec<&str> = r.levels.split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
    if let Some(bad) = levels.iter().find(|l| Level::parse(l).is_none()) {
        return Err(format!("levels: \"{bad}\" không phải province, commune, ministry hoặc other"));
    }
    let processing_time = match (r.processing_time_unit.trim(), r.processing_time_value.trim()) {
        ("", "") => serde_json::Value::Null,
        (unit, value) => {
            let n: u16 = value.parse().map_err(|_| format!("processing_time_value: \"{value}\" không phải số"))?;
            serde_json::json!({ "unit": unit, "value": n })
        }
    };
    let fee = match r.fee_vnd.trim() {
        "" => serde_json::Value::Null,
        v => serde_json::Value::from(v.parse::<u64>().map_err(|_| format!("fee_vnd: \"{v}\" không phải số đồng"))?),
    };
    let json_cell = |name: &str, s: &str| -> std::result::Result<serde_json::Value, String> {
        if s.trim().is_empty() {
            return Ok(serde_json::json!([]));
        }
        serde_json::from_str(s).map_err(|e| format!("{name}: không phải JSON hợp lệ ({e})"))
    };
    let competent = match r.competent_agency.trim() {
        "commune_committee" => serde_json::json!("commune_committee"),
        c => serde_json::json!({ "agency": c }),
    };
    Ok(serde_json::json!({
        "code": r.code,
        "name": r.name,
        "field": r.field,
        "levels": levels,
        "competent_agency": competent,
        "processing_time": processing_time,
        "processing_time_estimated": matches!(r.processing_time_estimated.trim(), "true" | "1" | "x"),
        "fee": { "amount_vnd": fee, "note": r.fee_note },
        "online_level": r.online_level.trim(),
        "online_level_estimated": matches!(r.online_level_estimated.trim(), "true" | "1" | "x"),
        "components": json_cell("components", &r.components)?,
        "form_fields": json_cell("form_fields", &r.form_fields)?,
        "legal_basis": r.legal_basis,
        "result_type": r.result_type,
        "steps": json_cell("steps", &r.steps)?,
        "applicants": match r.applicants.trim() {
            "" => tinhso_catalogue::procedure::Applicants::default().key(),
            a => a,
        },
    }))
}

/// Rows as (label, JSON value or a parse error), in file order. A one-shot CLI command:
/// nothing else runs on the runtime while it reads.
#[allow(clippy::disallowed_methods)]
fn read_rows(path: &Path) -> Result<Vec<(String, std::result::Result<serde_json::Value, String>)>> {
    let bytes = std::fs::read(path).with_context(|| format!("không đọc được tệp {}", path.display()))?;
    match format_of(path)? {
        Format::Json => {
            let v: serde_json::Value =
                serde_json::from_slice(&bytes).context("tệp JSON không hợp lệ / invalid JSON")?;
            let items = match v {
                serde_json::Value::Array(a) => a,
                serde_json::Value::Object(mut o) => match o.remove("procedures") {
                    Some(serde_json::Value::Array(a)) => a,
                    _ => {
                        bail!("JSON phải là một mảng thủ tục / JSON must be an array of procedures")
                    }
                },
                _ => bail!("JSON phải là một mảng thủ tục / JSON must be an array of procedures"),
            };
            Ok(items.into_iter().enumerate().map(|(i, v)| (format!("mục {}", i + 1), Ok(v))).collect())
        }
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            Ok(reader
                .deserialize::<CsvRow>()
                .enumerate()
                .map(|(i, r)| {
                    // Line numbers count the header as line 1.
                    let label = format!("dòng {}", i + 2);
                    (label, r.map_err(|e| format!("cột không đúng: {e}")).and_then(row_value))
                })
                .collect())
        }
    }
}

pub async fn import(store: &Stores, path: &Path) -> Result<ExitCode> {
    let rows = read_rows(path)?;
    let agencies: HashSet<String> = store.province.agencies().await?.into_iter().map(|a| a.code.to_string()).collect();
    if agencies.is_empty() {
        bail!("chưa thiết lập tỉnh: chạy `tinhso init` trước / no province: run `tinhso init` first");
    }
    let bar = ProgressBar::new(rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("Kiểm tra");
    let mut good = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (label, value) in rows {
        bar.inc(1);
        let parsed = value.and_then(|v| {
            let p: Procedure = serde_json::from_value(v).map_err(|e| e.to_string())?;
            let p =
                p.normalise().map_err(|errs| errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
            if let CompetentAgency::Agency(c) = &p.competent_agency {
                if !agencies.contains(c.as_str()) {
                    return Err(format!("competent_agency: không có cơ quan mã {c} trong tỉnh"));
                }
            }
            if !seen.insert(p.code.clone()) {
                return Err(format!("code: mã {} xuất hiện hai lần trong tệp", p.code));
            }
            Ok(p)
        });
        match parsed {
            Ok(p) => good.push(p),
            Err(e) => errors.push(format!("{label}: {e}")),
        }
    }
    bar.finish_and_clear();
    if !errors.is_empty() {
        eprintln!(
            "Không nhập thủ tục nào: {} dòng có lỗi / nothing imported: {} invalid rows",
            errors.len(),
            errors.len()
        );
        for e in errors.iter().take(SHOWN_ERRORS) {
            eprintln!("  {e}");
        }
        if errors.len() > SHOWN_ERRORS {
            eprintln!("  … và {} lỗi khác", errors.len() - SHOWN_ERRORS);
        }
        return Ok(ExitCode::FAILURE);
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("Ghi {} thủ tục trong một giao dịch…", good.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(100));
    // Made at the console: recorded with the platform itself as their maker.
    let by = tinhso_store::admin::AdminAct { actor: tinhso_store::admin::CONSOLE, at: chrono::Utc::now() };
    let n = store.catalogue.upsert_procedures(&good, &by).await?;
    spinner.finish_and_clear();
    println!("Đã nhập {n} thủ tục / imported {n} procedures");
    Ok(ExitCode::SUCCESS)
}

pub async fn export(store: &Stores, path: &Path) -> Result<()> {
    let procedures = store.catalogue.procedures().await?;
    let format = format_of(path)?;
    let bar = ProgressBar::new(procedures.len() as u64);
    let out = match format {
        Format::Json => {
            bar.inc(procedures.len() as u64);
            serde_json::to_vec_pretty(&procedures)?
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for p in &procedures {
                w.serialize(to_row(p)?)?;
                bar.inc(1);
            }
            w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?
        }
    };
    bar.finish_and_clear();
    // Write beside the target and rename, so a failed export never leaves half a file.
    let tmp = path.with_extension("tmp");
    tokio::fs::write(&tmp, out).await.with_context(|| format!("không ghi được {}", tmp.display()))?;
    tokio::fs::rename(&tmp, path).await?;
    println!("Đã xuất {} thủ tục ra {} / exported", procedures.len(), path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_catalogue::procedure::OnlineLevel;

    #[test]
    fn csv_row_round_trips() {
        let catalogue = crate::seed::demo_catalogue(8).unwrap();
        let with_steps = catalogue.iter().find(|p| !p.steps.is_empty()).unwrap();
        for p in [&catalogue[0], with_steps] {
            let row = to_row(p).unwrap();
            let back: Procedure = serde_json::from_value(row_value(row).unwrap()).unwrap();
            assert_eq!(&back.normalise().unwrap(), p);
        }
    }

    #[test]
    fn online_level_keys_are_the_csv_vocabulary() {
        for o in OnlineLevel::ALL {
            assert_eq!(OnlineLevel::parse(o.key()), Some(o));
        }
    }
}
