//! Administering a store: adding, removing and listing the origins of its shared list and of
//! its tenants' lists, which every server watching the store hears of.

use crate::{error, Backend, OriginStore, StoreError};

/// A list's values: the canonical origins, and the others each with why it is ignored.
type ListedValues = (Vec<String>, Vec<(String, StoreError)>);

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
        self.add_to("", origin).await
    }

    /// [`OriginStore::add`] to `tenant`'s list: the origin is allowed for that tenant's
    /// requests on a tenant route, not for other tenants' and not by the shared list. The
    /// tenant must be a tenant key ([`crate::check_tenant`]); otherwise
    /// [`StoreError::InvalidTenant`].
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("postgres://cors@db.internal/app")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// store.add_for("acme", "https://shop.acme.example").await?;
    /// assert!(store.add_for("acme corp", "https://shop.acme.example").await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn add_for(&self, tenant: &str, origin: &str) -> Result<(), StoreError> {
        error::check_tenant(tenant)?;
        self.add_to(tenant, origin).await
    }

    /// Adds to `tenant`'s list, `""` for the shared one.
    async fn add_to(&self, tenant: &str, origin: &str) -> Result<(), StoreError> {
        error::check_origin(origin)?;
        let inner = &*self.shared.inner;
        match inner.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.add(inner, tenant, origin).await,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.add(inner, tenant, origin).await,
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
        self.remove_from("", origin).await
    }

    /// [`OriginStore::remove`] from `tenant`'s list (a tenant key, else
    /// [`StoreError::InvalidTenant`]).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// store.remove_for("acme", "https://shop.acme.example").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_for(&self, tenant: &str, origin: &str) -> Result<(), StoreError> {
        error::check_tenant(tenant)?;
        self.remove_from(tenant, origin).await
    }

    /// Removes from `tenant`'s list, `""` for the shared one.
    async fn remove_from(&self, tenant: &str, origin: &str) -> Result<(), StoreError> {
        let inner = &*self.shared.inner;
        match inner.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.remove(inner, tenant, origin).await,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.remove(inner, tenant, origin).await,
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
        self.warn_ignored(None, &invalid);
        Ok(valid)
    }

    /// [`OriginStore::list`] of `tenant`'s list (a tenant key, else
    /// [`StoreError::InvalidTenant`]).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("redis://127.0.0.1:6379/0")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// for origin in store.list_for("acme").await? {
    ///     println!("{origin}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_for(&self, tenant: &str) -> Result<Vec<String>, StoreError> {
        let (valid, invalid) = self.list_all_for(tenant).await?;
        self.warn_ignored(Some(tenant), &invalid);
        Ok(valid)
    }

    fn warn_ignored(&self, tenant: Option<&str>, invalid: &[(String, StoreError)]) {
        let tenant = tenant.unwrap_or_default();
        for (value, error) in invalid {
            tracing::warn!(target: "cors", store = %self.describe(), tenant = %tenant.escape_debug(), value = %value.escape_debug(), "a value in the store is ignored: {error}");
        }
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
        self.list_all_in("").await
    }

    /// [`OriginStore::list_all`] of `tenant`'s list (a tenant key, else
    /// [`StoreError::InvalidTenant`]).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), cors_store::StoreError> {
    /// let store = cors_store::OriginStore::open("postgres://cors@db.internal/app")?;
    /// store.wait_connected(std::time::Duration::from_secs(5)).await;
    /// let (origins, ignored) = store.list_all_for("acme").await?;
    /// println!("{} origins, {} values ignored", origins.len(), ignored.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_all_for(
        &self,
        tenant: &str,
    ) -> Result<(Vec<String>, Vec<(String, StoreError)>), StoreError> {
        error::check_tenant(tenant)?;
        self.list_all_in(tenant).await
    }

    /// Lists `tenant`'s list, `""` for the shared one.
    async fn list_all_in(&self, tenant: &str) -> Result<ListedValues, StoreError> {
        let inner = &*self.shared.inner;
        let mut values: Vec<String> = match inner.backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres(ref store) => store.list(inner, tenant).await?,
            #[cfg(feature = "redis")]
            Backend::Redis(ref store) => store.list(inner, tenant).await?,
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
