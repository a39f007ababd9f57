//! Model structs and the typed `opt_fields` enums.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Scope, doc_attrs, field_argument, type_tokens};
use crate::docs;
use crate::ir::{Field, Model, OptFieldSet, Presence, RustIdent, TypeRef};

pub(super) fn model(model: &Model) -> TokenStream {
    let name = &model.name;
    let doc = doc_attrs(&model.doc);
    let fields = model.fields.iter().map(field);
    let default = model.derives_default.then(|| quote!(Default,));
    let constructor = constructor(model);
    let extra = model.extra.as_ref().map(|extra| {
        let doc = doc_attrs(
            "Members of the object that no field above describes (a requested path the document gives no \
             property, or a field newer than the document): kept, so that nothing Asana sends is dropped.",
        );
        quote! {
            #doc
            #[serde(flatten)]
            pub #extra: crate::ExtraFields,
        }
    });
    let (derive_deserialize, deserialize) = match &model.extra {
        Some(extra) => (None, Some(deserialize(model, extra))),
        None => (Some(quote!(serde::Deserialize,)), None),
    };
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
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, #derive_deserialize)]
        pub struct #name {
            #(#fields)*
            #extra
        }
        #deserialize
        #constructor
        #page
    }
}

/// A received model's `Deserialize`: what serde derives, except that members no field names go to the model's
/// extra map (`#[serde(flatten)]` would do the same, at the cost of buffering every object and losing the
/// JSON path of decode errors). The loop over members is the runtime's `decode_object`; the model says
/// only where each member goes.
fn deserialize(model: &Model, extra: &RustIdent) -> TokenStream {
    let name = &model.name;
    let expecting = format!("a `{name}` object");
    let decode = if model.fields.is_empty() {
        quote! {
            type Partial = ();
            const EXPECTING: &'static str = #expecting;
            fn start() {}
            fn finish<E: serde::de::Error>((): (), #extra: crate::ExtraFields) -> Result<Self, E> {
                Ok(Self { #extra })
            }
        }
    } else if model.derives_default && model.fields.iter().all(|f| f.presence == Presence::Optional) {
        let arms = model.fields.iter().enumerate().map(|(index, field)| {
            let index = Literal::usize_unsuffixed(index);
            let field = &field.name;
            quote!(#index => partial.#field = map.next_value()?,)
        });
        let index = member_index(model);
        quote! {
            type Partial = Self;
            const EXPECTING: &'static str = #expecting;
            fn start() -> Self {
                Self::default()
            }
            #index
            fn decode_member<'de, A: serde::de::MapAccess<'de>>(partial: &mut Self, index: usize, map: &mut A) -> Result<(), A::Error> {
                match index {
                    #(#arms)*
                    _ => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(())
            }
            fn finish<E: serde::de::Error>(partial: Self, #extra: crate::ExtraFields) -> Result<Self, E> {
                Ok(Self { #extra, ..partial })
            }
        }
    } else {
        // One `Option` per field, in field order: a required field has no value to start from.
        let slots = model.fields.iter().map(|field| {
            let ty = type_tokens(&field.ty, Scope::Models);
            let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
            quote!(Option<#ty>,)
        });
        let nones = model.fields.iter().map(|_| quote!(None,));
        let slot = |index: usize| Literal::usize_unsuffixed(index);
        let arms = model.fields.iter().enumerate().map(|(index, field)| {
            let slot = slot(index);
            match field.presence {
                Presence::Optional => quote!(#slot => partial.#slot = map.next_value()?,),
                Presence::Required => quote!(#slot => partial.#slot = Some(map.next_value()?),),
            }
        });
        let inits = model.fields.iter().enumerate().map(|(index, field)| {
            let (slot, field_name) = (slot(index), &field.name);
            match field.presence {
                Presence::Optional => quote!(#field_name: partial.#slot,),
                Presence::Required => {
                    let json_name = &field.json_name;
                    quote!(#field_name: partial.#slot.ok_or_else(|| E::missing_field(#json_name))?,)
                }
            }
        });
        let index = member_index(model);
        quote! {
            type Partial = (#(#slots)*);
            const EXPECTING: &'static str = #expecting;
            fn start() -> Self::Partial {
                (#(#nones)*)
            }
            #index
            fn decode_member<'de, A: serde::de::MapAccess<'de>>(partial: &mut Self::Partial, index: usize, map: &mut A) -> Result<(), A::Error> {
                match index {
                    #(#arms)*
                    _ => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(())
            }
            fn finish<E: serde::de::Error>(partial: Self::Partial, #extra: crate::ExtraFields) -> Result<Self, E> {
                Ok(Self { #(#inits)* #extra })
            }
        }
    };
    quote! {
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::runtime::decode_object(deserializer)
            }
        }
        impl crate::runtime::DecodeObject for #name {
            #decode
        }
    }
}

/// `DecodeObject::index` of a model with fields: from each field's member name to its index.
fn member_index(model: &Model) -> TokenStream {
    let arms = model.fields.iter().enumerate().map(|(index, field)| {
        let json_name = &field.json_name;
        let index = Literal::usize_unsuffixed(index);
        quote!(#json_name => Some(#index),)
    });
    quote! {
        fn index(member: &str) -> Option<usize> {
            match member {
                #(#arms)*
                _ => None,
            }
        }
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

/// `new(required...)` for models that are sent or have required fields, so callers need not spell out every
/// `None`; sent models also get one chained setter per optional field
/// (`WebhookRequest::new(resource, target).filters([filter])`).
fn constructor(model: &Model) -> Option<TokenStream> {
    let required: Vec<&Field> = model.fields.iter().filter(|f| f.presence == Presence::Required).collect();
    if required.is_empty() && !model.usage.is_sent() {
        return None;
    }
    let name = &model.name;
    let args = required.iter().map(|f| {
        let arg = &f.name;
        let ty = field_argument(&f.ty, Scope::Models);
        quote!(#arg: #ty)
    });
    let inits = model.fields.iter().map(|f| {
        let field = &f.name;
        match f.presence {
            Presence::Optional => quote!(#field: None),
            Presence::Required if matches!(f.ty, TypeRef::String | TypeRef::List(_)) || f.boxed => {
                let value = converted(f, quote!(#field));
                quote!(#field: #value)
            }
            Presence::Required => quote!(#field),
        }
    });
    let extra_init = model.extra.as_ref().map(|extra| quote!(#extra: crate::ExtraFields::default()));
    let doc = if required.is_empty() {
        "Creates an empty value; set fields with the methods named after them.".to_owned()
    } else {
        format!("Creates a [`{}`] from its required fields; optional fields start as `None`.", model.name)
    };
    let doc = doc_attrs(&doc);
    let setters = model.fields.iter().filter_map(setter);
    Some(quote! {
        impl #name {
            #doc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* #extra_init }
            }
            #(#setters)*
        }
    })
}

fn setter(field: &Field) -> Option<TokenStream> {
    let name = &field.name;
    let method = field.setter.as_ref()?;
    let doc = doc_attrs(&field.doc);
    let ty = field_argument(&field.ty, Scope::Models);
    let value = converted(field, quote!(#name));
    Some(quote! {
        #doc
        pub fn #method(mut self, #name: #ty) -> Self {
            self.#name = Some(#value);
            self
        }
    })
}

/// The expression turning a [`field_argument`] named `arg` into the field's value.
fn converted(field: &Field, arg: TokenStream) -> TokenStream {
    let value = match &field.ty {
        TypeRef::String => quote!(#arg.into()),
        TypeRef::List(item) if **item == TypeRef::String => quote!(#arg.into_iter().map(Into::into).collect()),
        TypeRef::List(_) => quote!(#arg.into_iter().collect()),
        _ => arg,
    };
    if field.boxed { quote!(Box::new(#value)) } else { value }
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
            // What lowering decides: sent models get a setter per optional field; `Default` unless only sent
            // with a required field.
            setter: (usage.is_sent() && presence == Presence::Optional).then(|| snake("name").unwrap()),
        };
        let derives_default = usage.is_received() || presence == Presence::Optional;
        let extra = usage.is_received().then(|| snake("extra").unwrap());
        Model { name: camel("Widget").unwrap(), doc: "A widget.".to_owned(), usage, fields: vec![field], page: None, derives_default, extra }
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
    fn received_models_decode_into_themselves_unless_a_field_is_required() {
        let optional = model_tokens(&widget(Usage::Response, Presence::Optional));
        assert!(optional.contains("type Partial = Self ;"), "{optional}");
        assert!(optional.contains("0 => partial . name = map . next_value () ?"), "{optional}");
        assert!(optional.contains("Ok (Self { extra , .. partial })"), "{optional}");

        let required = model_tokens(&widget(Usage::Response, Presence::Required));
        assert!(required.contains("type Partial = (Option < String > ,) ;"), "{required}");
        assert!(required.contains("0 => partial . 0 = Some (map . next_value () ?)"), "{required}");
        assert!(required.contains("name : partial . 0 . ok_or_else (|| E :: missing_field (\"name\")) ?"), "{required}");

        let mut empty = widget(Usage::Response, Presence::Optional);
        empty.fields.clear();
        let empty = model_tokens(&empty);
        assert!(empty.contains("type Partial = () ;") && !empty.contains("fn index"), "{empty}");
    }

    #[test]
    fn sent_only_models_derive_no_deserialize_of_their_own() {
        let sent = model_tokens(&widget(Usage::Request, Presence::Optional));
        assert!(!sent.contains("DecodeObject"), "{sent}");
    }

    #[test]
    fn default_is_derived_as_the_ir_says() {
        assert!(!derives(&widget(Usage::Request, Presence::Required)).contains("Default"));
        assert!(derives(&widget(Usage::Request, Presence::Optional)).contains("Default"));
    }

    #[test]
    fn setters_take_the_names_the_ir_gives() {
        let mut sent = widget(Usage::Request, Presence::Optional);
        sent.fields[0].setter = snake("set_name");
        let tokens = model_tokens(&sent);
        assert!(tokens.contains("pub fn set_name (mut self , name : impl Into < String >) -> Self"), "{tokens}");
        assert!(tokens.contains("self . name = Some (name . into ())"), "{tokens}");
    }

    #[test]
    fn required_fields_make_a_constructor() {
        assert!(model_tokens(&widget(Usage::Request, Presence::Required)).contains("pub fn new (name : impl Into < String >)"));
        assert!(model_tokens(&widget(Usage::Response, Presence::Required)).contains("pub fn new (name : impl Into < String >)"));
        assert!(!model_tokens(&widget(Usage::Response, Presence::Optional)).contains("fn new"));
    }

    #[test]
    fn sent_models_get_chained_setters_for_optional_fields() {
        let sent = model_tokens(&widget(Usage::Request, Presence::Optional));
        assert!(sent.contains("pub fn new () -> Self"), "{sent}");
        assert!(sent.contains("pub fn name (mut self , name : impl Into < String >) -> Self"), "{sent}");
        assert!(model_tokens(&widget(Usage::Both, Presence::Optional)).contains("pub fn name (mut self"));
        assert!(!model_tokens(&widget(Usage::Response, Presence::Optional)).contains("pub fn name"));
    }
}
