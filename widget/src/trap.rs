//! The dialog's keyboard, as WAI-ARIA's dialog pattern asks: Tab and Shift+Tab stay inside it
//! (from the last control Tab goes to the first, and back), Escape closes it.

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement, KeyboardEvent, ShadowRoot};

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]):not([tabindex='-1']), select:not([disabled]), textarea:not([disabled]), [href]";

/// Removes its listener when dropped.
pub struct FocusTrap {
    dialog: Element,
    listener: Closure<dyn FnMut(KeyboardEvent)>,
}

impl FocusTrap {
    pub fn new(
        dialog: Element,
        root: ShadowRoot,
        close: js_sys::Function,
    ) -> Result<FocusTrap, JsValue> {
        let scope = dialog.clone();
        let listener = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                let _ = close.call0(&JsValue::NULL);
                return;
            }
            if e.key() != "Tab" {
                return;
            }
            let visible = visible(&scope, FOCUSABLE);
            let (Some(first), Some(last)) = (visible.first(), visible.last()) else {
                return;
            };
            let active = root.active_element();
            let target = match (e.shift_key(), active) {
                (true, Some(a)) if a == **first => last,
                (false, Some(a)) if a == **last => first,
                _ => return,
            };
            e.prevent_default();
            let _ = target.focus();
        });
        dialog.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref())?;
        Ok(FocusTrap { dialog, listener })
    }
}

/// The controls matching `selector` that are shown: hidden ones (the sent view's while the form
/// shows, the fields a signed-in visitor is not asked for) cannot take focus.
fn visible(scope: &Element, selector: &str) -> Vec<HtmlElement> {
    let Ok(list) = scope.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|el| el.offset_parent().is_some())
        .collect()
}

/// Once the view has caught up (a frame later), puts the focus on the first field shown if it is
/// not already inside the dialog: `identify` hides the fields the loader may just have focused.
pub fn keep_focus_inside(dialog: Element, root: ShadowRoot) {
    let callback = Closure::once_into_js(move || {
        if root
            .active_element()
            .is_some_and(|a| visible(&dialog, FOCUSABLE).iter().any(|v| **v == a))
        {
            return;
        }
        if let Some(first) =
            visible(&dialog, "input:not([tabindex='-1']), textarea, select").first()
        {
            let _ = first.focus();
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(callback.unchecked_ref());
    }
}

impl Drop for FocusTrap {
    fn drop(&mut self) {
        let _ = self
            .dialog
            .remove_event_listener_with_callback("keydown", self.listener.as_ref().unchecked_ref());
    }
}
