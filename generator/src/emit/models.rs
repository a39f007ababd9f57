//! Model structs and the typed `opt_fields` enums.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Scope, argument_type, doc_attrs, type_tokens};
use crate::docs;
use crate::ir::{Field, Model, OptFieldSet, Presence, TypeRef};

pub(super) fn model(model: &Model) -> TokenStream {
    let name = &model.name;
    let doc = doc_attrs(&model.doc);
    let fields = model.fields.iter().map(field);
    let derive_default = derives_default(model);
    let default = derive_default.then(|| quote!(Default,));
    let constructor = constructor(model);
    let page = model.page.as_ref().map(|page| {
        let item = type_tokens(&page.item, Scope::Models);
        let items_field = &page.items_field;
        let next_page_field = &page.next_page_field;
        let offset_field = &page.offset_field;
        quote! {
            impl crate::Page for #name {
                type Item = #item;
                fn next_offset(&self) -> Option<&str> {
                    self.#next_page_field.as_ref()?.#offset_field.as_deref()
                }
                fn items_mut(&mut self) -> &mut Vec<#item> {
                    &mut self.#items_field
                }
                fn into_items(self) -> Vec<#item> {
                    self.#items_field
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
        }
        #constructor
        #page
    }
}

fn field(field: &Field) -> TokenStream {
    let doc = doc_attrs(&field.doc);
    let name = &field.name;
    let ty = type_tokens(&field.ty, Scope::Models);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    let rename = (field.name != *field.json_name).then(|| {
        let json_name = &field.json_name;
        quote!(rename = #json_name,)
    });
    match field.presence {
        Presence::Optional => quote! {
            #doc
            #[serde(#rename default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        },
        Presence::Required => {
            let serde = rename.map(|rename| quote!(#[serde(#rename)]));
            quote! {
                #doc
                #serde
                pub #name: #ty,
            }
        }
    }
}

/// `new(required...)` for models with required fields, so callers need not spell out every `None`.
fn constructor(model: &Model) -> Option<TokenStream> {
    let required: Vec<&Field> = model.fields.iter().filter(|f| f.presence == Presence::Required).collect();
    if required.is_empty() {
        return None;
    }
    let name = &model.name;
    let args = required.iter().map(|f| {
        let arg = &f.name;
        let ty = argument_type(&f.ty, Scope::Models);
        quote!(#arg: #ty)
    });
    let inits = model.fields.iter().map(|f| {
        let field = &f.name;
        match (f.presence, &f.ty) {
            (Presence::Optional, _) => quote!(#field: None),
            (Presence::Required, _) if f.boxed => quote!(#field: Box::new(#field)),
            (Presence::Required, TypeRef::String) => quote!(#field: #field.into()),
            (Presence::Required, _) => quote!(#field),
        }
    });
    let doc = doc_attrs(&format!(
        "Creates a [`{}`] from its required fields; optional fields start as `None`.",
        model.name
    ));
    Some(quote! {
        impl #name {
            #doc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    })
}

/// A received model derives `Default` (handy to build expected values in tests); a model that is only sent
/// does not when it has required fields, since its default would be a request Asana rejects.
fn derives_default(model: &Model) -> bool {
    let has_required = model.fields.iter().any(|f| f.presence == Presence::Required);
    if has_required && !model.usage.is_received() {
        return false;
    }
    model.fields.iter().all(|f| f.presence == Presence::Optional || has_default(&f.ty))
}

fn has_default(ty: &TypeRef) -> bool {
    !matches!(ty, TypeRef::Secret)
}

// ----- opt_fields -----

pub(super) fn opt_field_set(set: &OptFieldSet) -> TokenStream {
    let name = &set.name;
    let users = set.used_by.iter().map(|m| format!("[`Client::{m}`](crate::Client::{m})")).collect::<Vec<_>>().join(", ");
    let doc = doc_attrs(&format!(
        "Optional fields that {users} can include in the response (the `opt_fields` parameter).\n\n\
         A field not listed here can still be requested with `opt_fields_raw` on the request builder."
    ));
    let variants = set.values.iter().map(|value| {
        let variant = &value.variant;
        let doc = doc_attrs(&format!("Includes {}.", docs::code_span(&value.path)));
        quote!(#doc #variant,)
    });
    let arms = set.values.iter().map(|value| {
        let variant = &value.variant;
        let path = &value.path;
        quote!(Self::#variant => #path,)
    });
    let aliases = set.aliases.iter().map(|alias| {
        let alias_ident = alias;
        let doc = doc_attrs(&format!("The `opt_fields` values of this operation: the same set as [`{}`].", set.name));
        quote!(#doc pub type #alias_ident = #name;)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }
        impl crate::OptField for #name {
            fn as_str(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(crate::OptField::as_str(*self))
            }
        }
        #(#aliases)*
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Usage;
    use crate::names::{camel, snake};

    fn widget(usage: Usage, presence: Presence) -> Model {
        let field = Field {
            name: snake("name").unwrap(),
            json_name: "name".to_owned(),
            doc: "Name.".to_owned(),
            ty: TypeRef::String,
            presence,
            boxed: false,
        };
        Model { name: camel("Widget").unwrap(), doc: "A widget.".to_owned(), usage, fields: vec![field], page: None }
    }

    fn derives(model: &Model) -> String {
        let text = model_tokens(model);
        let start = text.find("derive").expect("a derive attribute");
        text[start..].split(']').next().unwrap_or_default().to_owned()
    }

    fn model_tokens(model: &Model) -> String {
        super::model(model).to_string()
    }

    #[test]
    fn request_only_models_with_required_fields_have_no_default() {
        assert!(!derives(&widget(Usage::Request, Presence::Required)).contains("Default"));
        assert!(derives(&widget(Usage::Request, Presence::Optional)).contains("Default"));
        assert!(derives(&widget(Usage::Response, Presence::Required)).contains("Default"));
        assert!(derives(&widget(Usage::Both, Presence::Optional)).contains("Default"));
    }

    #[test]
    fn required_fields_make_a_constructor() {
        assert!(model_tokens(&widget(Usage::Request, Presence::Required)).contains("pub fn new (name : impl Into < String >)"));
        assert!(!model_tokens(&widget(Usage::Request, Presence::Optional)).contains("fn new"));
    }
}
