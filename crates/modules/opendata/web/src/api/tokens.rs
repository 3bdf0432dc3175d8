//! API tokens by API (CKAN's `api_token_create`, `_revoke`, `_list`): a person makes and
//! revokes their own only. The secret is shown once; only its SHA-256 is kept.

use super::{Answer, Call, CkanError};
use serde_json::{json, Value};
use tinhso_opendata_port::ApiToken;

/// A new token's secret: a recognisable prefix and 256 random bits.
pub fn secret() -> Result<String, CkanError> {
    tinhso_identity::random_token().map(|t| format!("tsk_{t}")).map_err(|_| CkanError::Internal("randomness".into()))
}

/// Makes a token named `name` for `account`; returns (its id, its secret).
pub async fn make(
    state: &tinhso_http::state::AppState,
    account: tinhso_kernel::ids::AccountId,
    name: &str,
) -> Result<(String, String), CkanError> {
    let name = tinhso_kernel::text::clean(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(super::invalid("name", "Tên khóa dài từ 1 đến 100 ký tự."));
    }
    let secret = secret()?;
    let t = ApiToken {
        id: crate::service::fresh_id(),
        account,
        name,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        last_used: None,
    };
    crate::opendata_port(state)?.add_api_token(&t, &tinhso_identity::token_hash(&secret)).await?;
    Ok((t.id, secret))
}

fn own(c: &Call) -> Result<tinhso_store::Account, CkanError> {
    let a = c.caller.clone().ok_or_else(|| CkanError::Forbidden("Cần đăng nhập.".into()))?;
    if let Some(user) = c.text("user") {
        if user != a.login && user != a.id.0.to_string() {
            return Err(CkanError::Forbidden("Chỉ quản lý được khóa API của chính mình.".into()));
        }
    }
    Ok(a)
}

pub async fn create(c: &Call) -> Answer {
    let a = own(c)?;
    let (_, token) = make(&c.state, a.id, &c.required("name")?).await?;
    Ok(json!({ "token": token }))
}

pub async fn list(c: &Call) -> Answer {
    let a = own(c)?;
    let list = crate::opendata_port(&c.state)?.api_tokens(a.id).await?;
    Ok(Value::Array(
        list.into_iter()
            .map(|t| json!({ "id": t.id, "name": t.name, "created_at": t.created, "user_id": a.id.0.to_string() }))
            .collect(),
    ))
}

pub async fn revoke(c: &Call) -> Answer {
    let a = own(c)?;
    let id = match (c.text("jti"), c.text("token")) {
        (Some(j), _) => j,
        (None, Some(_)) => return Err(super::invalid("jti", "Thu hồi theo mã khóa (jti) trong api_token_list.")),
        (None, None) => return Err(super::invalid("jti", "Thiếu giá trị.")),
    };
    if crate::opendata_port(&c.state)?.revoke_api_token(a.id, &id).await? {
        Ok(Value::Null)
    } else {
        Err(CkanError::NotFound("API token".into()))
    }
}
