//! The open-data module's ports (module: opendata): the catalogue (organizations, themes,
//! datasets with their kept versions and ledger entries, API tokens, download counts, harvest
//! sources) and the shared data store of typed tables.
//!
//! Its own store crate implements it on each engine; its web half and the composition root use
//! it, and no other module.
//!
//! May depend on: the kernel, the ledger's link type, the module's core and the storage
//! vocabulary (`tinhso-store`: its errors and records).

use async_trait::async_trait;
use tinhso_kernel::ids::AccountId;
use tinhso_store::Result;

/// A kept version of a dataset's metadata (module: opendata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetVersion {
    pub revision: i64,
    pub at: String,
    pub actor: i64,
}

/// An API token as listed to its owner (module: opendata); its secret is never kept, only
/// its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub account: AccountId,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
}

/// Another portal's DCAT catalogue harvested on a schedule (module: opendata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarvestSource {
    pub id: String,
    /// An `http(s)://` address or a file path on the server.
    pub url: String,
    /// The publisher the harvested datasets go to.
    pub org: String,
    pub every_hours: i64,
    /// The ids of the datasets this source made here.
    pub datasets: Vec<String>,
    pub last_run: Option<String>,
    pub last_result: Option<String>,
}

/// The open-data catalogue (module: opendata): organizations (the province's agencies),
/// themes, datasets with their kept versions, API tokens and download counts. Every dataset
/// save moves the catalogue's change counter (`seq`) on, so a search index kept in memory
/// by any server catches up by reading what changed after the counter it last saw.
#[async_trait]
pub trait OpenDataStore: Send + Sync + 'static {
    /// Adds the organizations not yet stored and refreshes the titles of the others.
    async fn sync_organizations(&self, orgs: &[tinhso_opendata::Organization]) -> Result<()>;
    async fn organizations(&self) -> Result<Vec<tinhso_opendata::Organization>>;
    async fn data_groups(&self) -> Result<Vec<tinhso_opendata::Group>>;
    /// Adds or replaces a theme.
    async fn put_data_group(&self, g: &tinhso_opendata::Group) -> Result<()>;
    /// Saves `d` if the stored revision is `expected` (`None`: no dataset with its id may
    /// exist): the row, its resources' index, a kept version and a ledger entry of `kind`
    /// by `actor`, in one transaction. `StoreError::Conflict` when someone saved first or
    /// the name is taken. Returns the catalogue's counter after the save.
    async fn save_dataset(
        &self,
        d: &tinhso_opendata::Dataset,
        expected: Option<i64>,
        actor: i64,
        kind: &'static str,
    ) -> Result<i64>;
    /// The dataset with this id or name (deleted ones included).
    async fn dataset(&self, id_or_name: &str) -> Result<Option<tinhso_opendata::Dataset>>;
    /// The datasets with these ids, in no particular order.
    async fn datasets(&self, ids: &[String]) -> Result<Vec<tinhso_opendata::Dataset>>;
    /// The datasets saved after counter `after`, oldest first, at most `limit`.
    async fn datasets_changed(&self, after: i64, limit: usize) -> Result<Vec<(i64, tinhso_opendata::Dataset)>>;
    /// The catalogue's change counter (0 when empty).
    async fn catalogue_seq(&self) -> Result<i64>;
    async fn dataset_versions(&self, id: &str) -> Result<Vec<DatasetVersion>>;
    async fn dataset_version(&self, id: &str, revision: i64) -> Result<Option<tinhso_opendata::Dataset>>;
    /// The id of the dataset holding resource `id`.
    async fn resource_dataset(&self, id: &str) -> Result<Option<String>>;
    /// Records a token by the SHA-256 of its secret.
    async fn add_api_token(&self, t: &ApiToken, hash: &[u8]) -> Result<()>;
    /// The account of the unrevoked token whose secret hashes to `hash`.
    async fn api_token_account(&self, hash: &[u8]) -> Result<Option<AccountId>>;
    async fn api_tokens(&self, account: AccountId) -> Result<Vec<ApiToken>>;
    /// Revokes `account`'s token `id`; whether there was one.
    async fn revoke_api_token(&self, account: AccountId, id: &str) -> Result<bool>;
    /// Adds downloads per resource id.
    async fn add_downloads(&self, counts: &[(String, i64)]) -> Result<()>;
    async fn harvest_sources(&self) -> Result<Vec<HarvestSource>>;
    /// Adds or replaces a harvest source (by id).
    async fn put_harvest_source(&self, s: &HarvestSource) -> Result<()>;
    async fn downloads(&self, resources: &[String]) -> Result<Vec<(String, i64)>>;
    /// Up to `limit` dataset rows after id `after`, by id, each with its ledger entries (lane and
    /// payload, in chain order): what `tinhso audit verify` compares.
    async fn datasets_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(DatasetRow, Vec<(String, String)>)>>;
}

/// A dataset's row as stored: the columns pages and searches filter on, and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRow {
    pub id: String,
    pub name: String,
    pub org: String,
    pub state: String,
    pub private: bool,
    pub revision: i64,
    pub modified: String,
    pub body: String,
}

/// A table of the shared data store (module: opendata): a tabular resource loaded into the
/// platform's database.
#[derive(Debug, Clone, PartialEq)]
pub struct DatastoreTable {
    pub resource: String,
    pub fields: Vec<tinhso_opendata::datastore::Field>,
    /// `loading`, `ready` or `failed`.
    pub state: String,
    pub rows_loaded: i64,
    pub rows_total: i64,
    pub error: Option<String>,
    pub updated: String,
}

/// What `datastore_search_sql` may spend.
#[derive(Debug, Clone)]
pub struct SqlLimits {
    /// The tables the statement may read (the public resources' tables).
    pub tables: Vec<String>,
    pub max_rows: usize,
    pub timeout: std::time::Duration,
}

/// A read-only statement's answer: its columns, its rows (at most `max_rows`), and whether
/// there were more.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlAnswer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<tinhso_opendata::datastore::Cell>>,
    pub truncated: bool,
}

/// The shared data store (module: opendata): typed tables loaded from tabular resources,
/// searched with CKAN's `datastore_search` and read with `datastore_search_sql` in a sandbox
/// the engine enforces (SQLite: an authorizer and a progress deadline on a read-only
/// connection; PostgreSQL: a read-only transaction under a role that may read only the data
/// store's schema, with a statement timeout).
#[async_trait]
pub trait DatastoreStore: Send + Sync + 'static {
    /// Replaces `resource`'s table with an empty one of `fields`, `total` rows expected.
    async fn datastore_begin(
        &self,
        resource: &str,
        fields: &[tinhso_opendata::datastore::Field],
        total: i64,
    ) -> Result<()>;
    /// Appends rows (cells in field order; `text` the folded words of each row, for `q`),
    /// numbered from `first_id`, and records `loaded` rows done, in one transaction.
    async fn datastore_insert(
        &self,
        resource: &str,
        first_id: i64,
        rows: Vec<(Vec<tinhso_opendata::datastore::Cell>, String)>,
        loaded: i64,
    ) -> Result<()>;
    /// Indexes the `indexes` columns and marks the table ready, or records why loading failed.
    async fn datastore_finish(&self, resource: &str, indexes: &[String], error: Option<&str>) -> Result<()>;
    async fn datastore_table(&self, resource: &str) -> Result<Option<DatastoreTable>>;
    /// The ready tables of resources of active, public datasets: what anyone may query.
    async fn datastore_public_tables(&self) -> Result<Vec<String>>;
    /// The rows `search` asks for (`_id` first, then its fields, or all), and the total
    /// matching when `count`.
    async fn datastore_search(
        &self,
        table: &DatastoreTable,
        search: &tinhso_opendata::datastore::Search,
        count: bool,
    ) -> Result<(Option<i64>, Vec<Vec<tinhso_opendata::datastore::Cell>>)>;
    /// Runs a statement that passed `datastore::check_sql` in the sandbox; `Ok(Err(why))`
    /// when the engine refuses it (another table, a forbidden function, the time limit).
    async fn datastore_sql(&self, sql: &str, limits: &SqlLimits) -> Result<std::result::Result<SqlAnswer, String>>;
    async fn datastore_delete(&self, resource: &str) -> Result<()>;
}
