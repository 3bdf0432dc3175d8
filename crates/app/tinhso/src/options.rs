//! The modules' own serve options (signing, timestamps, payments), and giving each module its
//! configuration on the server's state before it serves; what a connection may cost.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tinhso_payments::gateway::Merchant;
use tinhso_payments::vietqr::Account;
use tinhso_results_web::signer::{Pkcs12Signer, Signer};

/// What a connection may cost the server (`tinhso_http::listen`).
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionOptions {
    /// Seconds a client has to send a request's head (not its body) before the connection is
    /// closed, idle keep-alive connections included: slow or idle ones cannot pile up.
    #[arg(long, default_value_t = 30, env = "TINHSO_HEADER_TIMEOUT_SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Connections one client address may hold open at once (an IPv6 client counts by its /64;
    /// trusted proxies are not capped); 0 for no cap. A connection over it is answered 429.
    #[arg(long, default_value_t = 4096, env = "TINHSO_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: u32,
}

impl ConnectionOptions {
    pub fn limits(&self) -> tinhso_http::listen::Limits {
        tinhso_http::listen::Limits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs),
            per_address: self.max_connections_per_address,
            ..tinhso_http::listen::Limits::default()
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ModuleOptions {
    /// Agencies' signing keys: `<agency code>.p12`, each password in `<code>.pass` or
    /// TINHSO_SIGNING_PASSWORD. The demo province makes demo keys in the data directory.
    #[arg(long, env = "TINHSO_SIGNING_KEYS")]
    pub signing_keys: Option<PathBuf>,
    /// An RFC 3161 timestamp authority: results and receipts are then signed PAdES B-T.
    #[arg(long, env = "TINHSO_TSA_URL")]
    pub tsa_url: Option<String>,
    /// The payment gateway's payment page (VNPay-shaped protocol, 2.1.0).
    #[arg(long, env = "TINHSO_GATEWAY_URL")]
    pub gateway_url: Option<String>,
    /// The gateway's API for queries and refunds (default: `<gateway host>/merchant_webapi/api/transaction`).
    #[arg(long, env = "TINHSO_GATEWAY_API_URL")]
    pub gateway_api_url: Option<String>,
    /// The province's terminal code at the gateway.
    #[arg(long, env = "TINHSO_GATEWAY_TMN")]
    pub gateway_tmn: Option<String>,
    /// The secret the gateway shares for signatures (environment only, never on a command line).
    #[arg(skip)]
    pub gateway_secret: Option<String>,
    /// The collection account for VietQR transfers, as `BIN:ACCOUNT:HOLDER NAME`.
    #[arg(long, env = "TINHSO_VIETQR_ACCOUNT")]
    pub vietqr_account: Option<String>,
    /// How often pending payments are checked and refunds made, in seconds.
    #[arg(long, env = "TINHSO_PAYMENT_SWEEP_SECS", default_value_t = 60)]
    pub payment_sweep_secs: u64,
}

/// The demo province's collection account (no real bank account).
const DEMO_ACCOUNT: &str = "970415:113366668888:UBND TINH DEMO";

/// The options as the environment sets them (for commands that run what the server runs).
pub fn from_env() -> ModuleOptions {
    #[derive(clap::Parser)]
    struct Env {
        #[command(flatten)]
        o: ModuleOptions,
    }
    match <Env as clap::Parser>::try_parse_from(["tinhso"]) {
        Ok(e) => e.o,
        Err(_) => ModuleOptions {
            signing_keys: None,
            tsa_url: None,
            gateway_url: None,
            gateway_api_url: None,
            gateway_tmn: None,
            gateway_secret: None,
            vietqr_account: None,
            payment_sweep_secs: 60,
        },
    }
}

/// Sets each module up on `state`; how often the payments sweep should run.
pub fn install(
    state: &tinhso_http::AppState,
    data: &Path,
    o: ModuleOptions,
    demo: bool,
) -> Result<std::time::Duration> {
    let signer: Option<Arc<dyn Signer>> = match o.signing_keys {
        Some(dir) => Some(Arc::new(Pkcs12Signer::new(dir, false))),
        None if demo => Some(Arc::new(Pkcs12Signer::new(data.join("signing-demo"), true))),
        None => None,
    };
    let tsa = o.tsa_url.filter(|u| !u.trim().is_empty());
    tinhso_results_web::install(state, tinhso_results_web::Results { signer, tsa });
    let secret = std::env::var("TINHSO_GATEWAY_SECRET").ok().or(o.gateway_secret).filter(|s| !s.is_empty());
    let gateway = match (o.gateway_url.filter(|u| !u.is_empty()), o.gateway_tmn, secret) {
        (None, _, _) => None,
        (Some(pay_url), Some(tmn_code), Some(secret)) => {
            let api_url = o.gateway_api_url.unwrap_or_else(|| {
                let host = pay_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
                format!("{host}/merchant_webapi/api/transaction")
            });
            Some(Merchant { tmn_code, secret, pay_url, api_url })
        }
        (Some(_), _, _) => bail!("--gateway-url cần kèm --gateway-tmn và biến môi trường TINHSO_GATEWAY_SECRET / needs --gateway-tmn and TINHSO_GATEWAY_SECRET"),
    };
    let sweep = o.payment_sweep_secs;
    let vietqr = match o.vietqr_account.filter(|a| !a.is_empty()) {
        Some(a) => Some(Account::parse(&a).map_err(|e| anyhow::anyhow!("--vietqr-account: {e}"))?),
        None if demo => Account::parse(DEMO_ACCOUNT).ok(),
        None => None,
    };
    tinhso_payments_web::install(state, tinhso_payments_web::Payments::vnpay(gateway, vietqr));
    Ok(std::time::Duration::from_secs(sweep.max(1)))
}
