//! Statements whose text is fixed are prepared once per pooled connection and reused: one round
//! trip per statement instead of two (parse, then execute), and no re-planning. Text built at
//! run time (`format!`) keeps the plain calls, so the per-connection cache stays bounded.

use async_trait::async_trait;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row};

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

#[async_trait]
pub trait Cached {
    async fn execute_cached(&self, sql: &str, params: Params<'_>) -> Result<u64, Error>;
    async fn query_cached(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error>;
    async fn query_one_cached(&self, sql: &str, params: Params<'_>) -> Result<Row, Error>;
    async fn query_opt_cached(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error>;
}

macro_rules! cached {
    ($t:ty) => {
        #[async_trait]
        impl Cached for $t {
            async fn execute_cached(&self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
                let st = self.prepare_cached(sql).await?;
                self.execute(&st, params).await
            }
            async fn query_cached(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
                let st = self.prepare_cached(sql).await?;
                self.query(&st, params).await
            }
            async fn query_one_cached(&self, sql: &str, params: Params<'_>) -> Result<Row, Error> {
                let st = self.prepare_cached(sql).await?;
                self.query_one(&st, params).await
            }
            async fn query_opt_cached(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>, Error> {
                let st = self.prepare_cached(sql).await?;
                self.query_opt(&st, params).await
            }
        }
    };
}

cached!(deadpool_postgres::Transaction<'_>);
cached!(deadpool_postgres::ClientWrapper);
