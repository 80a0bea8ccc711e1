//! Administering a store: adding, removing and listing its origins, which every server
//! watching the store hears of.

use crate::{error, Backend, OriginStore, StoreError};

impl OriginStore {
    /// Adds an origin and announces it to every server. It must be a canonical origin
    /// ([`cors_core::Origin::parse`]); otherwise [`StoreError::InvalidOrigin`] says why and
    /// what was probably meant. Adding one already there is not an error.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// store.add("https://shop.tenant.example").await?;
    /// let error = store.add("https://Shop.tenant.example/").await.unwrap_err();
    /// assert!(error.to_string().contains(r#"did you mean "https://shop.tenant.example"?"#));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn add(&self, origin: &str) -> Result<(), StoreError> {
        error::check_origin(origin)?;
        let inner = &*self.shared.inner;
        match inner.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.add(inner, origin).await,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.add(inner, origin).await,
        }
    }

    /// Removes an origin (any value, so that one that is not an origin can be removed too)
    /// and announces it. Removing one that is not there is not an error.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// store.remove("https://shop.tenant.example").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self, origin: &str) -> Result<(), StoreError> {
        let inner = &*self.shared.inner;
        match inner.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.remove(inner, origin).await,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.remove(inner, origin).await,
        }
    }

    /// Every origin in the store, sorted. Values that are not canonical origins are skipped,
    /// each with a warning (target `cors`); see [`OriginStore::list_all`] to see them.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// for origin in store.list().await? {
    ///     println!("{origin}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self) -> Result<Vec<String>, StoreError> {
        let (valid, invalid) = self.list_all().await?;
        for (value, error) in &invalid {
            tracing::warn!(target: "cors", store = %self.describe(), value = %value.escape_debug(), "a value in the store is ignored: {error}");
        }
        Ok(valid)
    }

    /// Every value in the store, sorted: the canonical origins, and the others each with why
    /// it is ignored.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// let (_origins, ignored) = store.list_all().await?;
    /// for (value, why) in ignored {
    ///     eprintln!("ignored {value:?}: {why}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_all(&self) -> Result<(Vec<String>, Vec<(String, StoreError)>), StoreError> {
        let inner = &*self.shared.inner;
        let mut values: Vec<String> = match inner.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.list(inner).await?,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.list(inner).await?,
        };
        values.sort_unstable();
        values.dedup();
        let mut valid = Vec::with_capacity(values.len());
        let mut invalid = Vec::new();
        for value in values {
            match error::check_origin(&value) {
                Ok(()) => valid.push(value),
                Err(error) => invalid.push((value, error)),
            }
        }
        Ok((valid, invalid))
    }
}
