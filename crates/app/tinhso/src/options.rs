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
    #[command(flatten)]
    pub eid: EidOptions,
    #[command(flatten)]
    pub exchange: ExchangeOptions,
}

/// The national population database, reached through the province's data-sharing platform
/// (an X-Road security server, message protocol for REST): the one-stop desk checks the
/// person in front of it there. All three are needed, or none.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExchangeOptions {
    /// The consumer security server's address (https://, or http:// on this machine).
    #[arg(long, env = "TINHSO_EXCHANGE_URL")]
    pub exchange_url: Option<String>,
    /// The platform's subsystem as the exchange knows it: INSTANCE/CLASS/MEMBER/SUBSYSTEM.
    #[arg(long, env = "TINHSO_EXCHANGE_CLIENT")]
    pub exchange_client: Option<String>,
    /// The population service: INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE.
    #[arg(long, env = "TINHSO_EXCHANGE_POPULATION_SERVICE")]
    pub exchange_population_service: Option<String>,
    /// PEM file of certificate authorities the security server's certificate may chain to,
    /// besides the public ones.
    #[arg(long, env = "TINHSO_EXCHANGE_CA")]
    pub exchange_ca: Option<PathBuf>,
    /// PEM file with this platform's client certificate (and its chain) and private key, for a
    /// security server that authenticates information systems by certificate.
    #[arg(long, env = "TINHSO_EXCHANGE_IDENTITY")]
    pub exchange_identity: Option<PathBuf>,
}

impl ExchangeOptions {
    /// The population service, when one is configured; a half-configured one is an error.
    fn population(&self) -> Result<Option<tinhso_exchange_web::client::Population>> {
        let given = |o: &Option<String>| o.clone().filter(|s| !s.trim().is_empty());
        let (url, client, service) =
            (given(&self.exchange_url), given(&self.exchange_client), given(&self.exchange_population_service));
        let (url, client, service) = match (url, client, service) {
            (None, None, None) => return Ok(None),
            (Some(u), Some(c), Some(s)) => (u, c, s),
            _ => bail!(
                "--exchange-url, --exchange-client và --exchange-population-service phải có đủ cả ba / all three are needed"
            ),
        };
        let config = tinhso_exchange_web::client::PopulationConfig {
            security_server: url,
            client: tinhso_exchange::ClientId::parse(&client).map_err(|e| anyhow::anyhow!("--exchange-client: {e}"))?,
            service: tinhso_exchange::ServiceId::parse(&service)
                .map_err(|e| anyhow::anyhow!("--exchange-population-service: {e}"))?,
        };
        // Read once, at start, before serving.
        #[allow(clippy::disallowed_methods)]
        let read = |flag: &str, path: &Option<PathBuf>| match path {
            Some(path) => std::fs::read(path).map(Some).map_err(|e| anyhow::anyhow!("{flag} {}: {e}", path.display())),
            None => Ok(None),
        };
        let ca = read("--exchange-ca", &self.exchange_ca)?;
        let identity = read("--exchange-identity", &self.exchange_identity)?;
        tinhso_exchange_web::client::Population::new(config, ca.as_deref(), identity.as_deref())
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--exchange-url: {e}"))
    }
}

/// Signing in with the national e-ID (OpenID Connect): the provider as registered for this
/// portal. Needs `--public-url`, whose `/dang-nhap/vneid/ve` is the redirect address given
/// to the provider; the client secret comes from the environment only.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EidOptions {
    /// The provider's issuer (its `/.well-known/openid-configuration` is read from it).
    #[arg(long, env = "TINHSO_EID_ISSUER")]
    pub eid_issuer: Option<String>,
    /// This portal's client id at the provider (its secret: TINHSO_EID_CLIENT_SECRET).
    #[arg(long, env = "TINHSO_EID_CLIENT_ID")]
    pub eid_client_id: Option<String>,
    /// The provider's name on buttons and messages.
    #[arg(long, env = "TINHSO_EID_NAME", default_value = "VNeID")]
    pub eid_name: String,
    /// The scopes a sign-in asks for.
    #[arg(long, env = "TINHSO_EID_SCOPE", default_value = "openid profile phone email")]
    pub eid_scope: String,
    /// Let a browser still signed in at the provider sign in without being asked again (single
    /// sign-on across the province's portals). Off by default: on a shared computer the next
    /// person would open the previous person's account.
    #[arg(long, env = "TINHSO_EID_SINGLE_SIGN_ON")]
    pub eid_single_sign_on: bool,
    /// PEM file of certificate authorities the provider's TLS certificate may chain to, besides
    /// the public ones (a national or provincial CA).
    #[arg(long, env = "TINHSO_EID_CA")]
    pub eid_ca: Option<PathBuf>,
    /// The provider's names for the claims, where they are not the defaults, as
    /// `personal_id=<claim>,name=<claim>,phone=<claim>,email=<claim>`.
    #[arg(long, env = "TINHSO_EID_CLAIMS")]
    pub eid_claims: Option<String>,
}

impl EidOptions {
    /// What the login, registration and account pages offer.
    pub fn login(&self) -> Option<tinhso_http::state::EidLogin> {
        self.eid_issuer.as_ref().filter(|i| !i.is_empty()).map(|_| tinhso_http::state::EidLogin {
            name: self.eid_name.clone(),
            start: tinhso_eid_web::START,
            account: tinhso_eid_web::ACCOUNT,
        })
    }

    fn claims(&self) -> Result<tinhso_eid::ClaimNames> {
        let mut names = tinhso_eid::ClaimNames::default();
        for pair in self.eid_claims.iter().flat_map(|c| c.split(',')).filter(|p| !p.trim().is_empty()) {
            let Some((key, claim)) = pair.split_once('=').map(|(k, c)| (k.trim(), c.trim().to_owned())) else {
                bail!("--eid-claims: `{pair}` không có dạng khoá=tên / is not key=claim");
            };
            match key {
                "personal_id" => names.personal_id = claim,
                "name" => names.name = claim,
                "phone" => names.phone = claim,
                "email" => names.email = claim,
                other => bail!("--eid-claims: không biết `{other}` / unknown key (personal_id, name, phone, email)"),
            }
        }
        Ok(names)
    }

    /// The provider, when one is configured.
    fn provider(&self, public_url: Option<&str>) -> Result<Option<tinhso_eid_web::provider::Provider>> {
        let Some(issuer) = self.eid_issuer.clone().filter(|i| !i.is_empty()) else { return Ok(None) };
        let Some(public_url) = public_url else {
            bail!("--eid-issuer cần --public-url (địa chỉ trả về đăng ký với VNeID) / needs --public-url")
        };
        let (Some(client_id), Ok(client_secret)) =
            (self.eid_client_id.clone(), std::env::var("TINHSO_EID_CLIENT_SECRET"))
        else {
            bail!("--eid-issuer cần --eid-client-id và biến môi trường TINHSO_EID_CLIENT_SECRET / needs --eid-client-id and TINHSO_EID_CLIENT_SECRET")
        };
        let config = tinhso_eid_web::provider::EidConfig {
            name: self.eid_name.clone(),
            issuer,
            client_id,
            client_secret,
            redirect_uri: format!("{}{}", public_url.trim_end_matches('/'), tinhso_eid_web::RETURN),
            claims: self.claims()?,
            scope: self.eid_scope.clone(),
            ask_every_time: !self.eid_single_sign_on,
        };
        let ca = match &self.eid_ca {
            // Read once, at start, before serving.
            #[allow(clippy::disallowed_methods)]
            Some(path) => Some(std::fs::read(path).map_err(|e| anyhow::anyhow!("--eid-ca {}: {e}", path.display()))?),
            None => None,
        };
        tinhso_eid_web::provider::Provider::new(config, ca.as_deref())
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--eid-issuer: {e}"))
    }
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
            eid: EidOptions::default(),
            exchange: ExchangeOptions::default(),
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
    tinhso_dossier_web::flow::install(state);
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
    let provider = o.eid.provider(state.config.public_url.as_deref())?;
    tinhso_eid_web::install(state, tinhso_eid_web::Eid { provider: provider.map(Arc::new) });
    let population = o.exchange.population()?;
    tinhso_exchange_web::install(state, tinhso_exchange_web::Exchange { population: population.map(Arc::new) });
    let weights = crate::ioc_weights::weights(data)?;
    tinhso_ioc_web::install(state, tinhso_ioc_web::Ioc { weights: Arc::new(weights) });
    let frameworks = crate::dti::frameworks(data)?;
    tinhso_dti_web::install(state, tinhso_dti_web::Dti { frameworks: frameworks.map(Arc::new) });
    Ok(std::time::Duration::from_secs(sweep.max(1)))
}
