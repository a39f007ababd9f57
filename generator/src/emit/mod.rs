//! Stage 4: IR to Rust tokens, one token stream per generated file.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, TokenStreamExt, quote};

use crate::ir::{Api, Module, RustIdent, TypeName, TypeRef};

mod enums;
mod models;
mod operations;
mod unions;

use enums::string_enum;
use models::{model, opt_field_set};
use unions::union;
use operations::operations;

/// A generated file before formatting: its path inside the generated crate and its items.
pub struct EmittedFile {
    /// Path relative to the generated crate's root (`src/api/models.rs`).
    pub path: String,
    /// The file's items.
    pub tokens: TokenStream,
}

/// One file of the `api` module, still to be emitted.
///
/// Tokens cannot cross threads, so files are handed out as jobs that each thread emits and formats.
#[derive(Debug, Clone, Copy)]
pub enum FileJob<'a> {
    /// `mod.rs`: the module declarations.
    ApiMod,
    /// `models.rs`: every struct, enum and union.
    Models,
    /// `opt_fields.rs`: the `opt_fields` enums.
    OptFields,
    /// The operations of one module.
    Operations(&'a Module),
}

/// The files of the `api` module, in a fixed order.
pub fn jobs(api: &Api) -> Vec<FileJob<'_>> {
    let mut jobs = vec![FileJob::ApiMod, FileJob::Models];
    if !api.opt_field_sets.is_empty() {
        jobs.push(FileJob::OptFields);
    }
    jobs.extend(api.modules.iter().map(FileJob::Operations));
    jobs
}

/// Emits the file of one job.
pub fn emit_file(api: &Api, job: FileJob<'_>) -> EmittedFile {
    let (path, tokens) = match job {
        FileJob::ApiMod => ("src/api/mod.rs".to_owned(), api_mod(api)),
        FileJob::Models => ("src/api/models.rs".to_owned(), models_file(api)),
        FileJob::OptFields => {
            ("src/api/opt_fields.rs".to_owned(), api.opt_field_sets.iter().map(opt_field_set).collect())
        }
        FileJob::Operations(module) => (format!("src/api/{}.rs", module.name), operations(module)),
    };
    EmittedFile { path, tokens }
}

/// Structs, enums and unions, in one list sorted by name.
fn models_file(api: &Api) -> TokenStream {
    let mut items: Vec<(&TypeName, TokenStream)> = api.models.iter().map(|m| (&m.name, model(m))).collect();
    items.extend(api.enums.iter().map(|e| (&e.name, string_enum(e))));
    items.extend(api.unions.iter().map(|u| (&u.name, union(u))));
    items.sort_by(|a, b| a.0.cmp(b.0));
    items.into_iter().map(|(_, tokens)| tokens).collect()
}

fn api_mod(api: &Api) -> TokenStream {
    let mut items = vec![quote! {
        #[doc = " Request and response bodies of the API."]
        pub mod models;
    }];
    if !api.opt_field_sets.is_empty() {
        items.push(quote! {
            #[doc = " Typed values for the `opt_fields` parameter: the fields each operation can include."]
            pub mod opt_fields;
        });
    }
    for module in &api.modules {
        let doc = doc_attrs(&module.doc);
        let name = &module.name;
        items.push(quote! { #doc pub mod #name; });
    }
    quote! { #(#items)* }
}

/// The module a type is written from: models refer to each other by bare name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Models,
    Api,
}

pub(super) fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Secret => quote!(crate::Secret),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        TypeRef::Date => quote!(chrono::NaiveDate),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Model(name) | TypeRef::Enum(name) => {
            match scope {
                Scope::Models => quote!(#name),
                Scope::Api => quote!(crate::models::#name),
            }
        }
        TypeRef::List(item) => {
            let item = type_tokens(item, scope);
            quote!(Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = type_tokens(value, scope);
            quote!(std::collections::BTreeMap<String, #value>)
        }
    }
}

/// Argument types accept anything string-like where the value is a `String`.
pub(super) fn argument_type(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl Into<String>),
        other => type_tokens(other, scope),
    }
}

/// What a model's constructor or setter, or the request builder method setting a body field, takes for a
/// field of type `ty`: anything string-like for a string, any iterator for a list.
pub(super) fn field_argument(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl Into<String>),
        TypeRef::List(item) => {
            let item = match item.as_ref() {
                TypeRef::String => quote!(impl Into<String>),
                other => type_tokens(other, scope),
            };
            quote!(impl IntoIterator<Item = #item>)
        }
        other => type_tokens(other, scope),
    }
}

pub(super) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

// The names were checked when they were made, so they become identifiers as they are.
impl ToTokens for RustIdent {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(ident(self.as_str()));
    }
}

impl ToTokens for TypeName {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(ident(self.as_str()));
    }
}

/// One `#[doc]` attribute per line, each with the leading space that `///` comments have.
pub(super) fn doc_attrs(doc: &str) -> TokenStream {
    let lines = doc.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") });
    quote! { #(#[doc = #lines])* }
}

