//! One golden fixture case (tests/data/golden/models/mistral/seq_cls) through forward(),
//! compared at the case's tolerance: |got - want| <= atol + rtol * |want|.
mod common;

use plinth::{Input, ModelOptions, Runtime};

#[test]
fn mistral_seq_cls_matches_transformers() {
    let dir = common::golden_dir().join("models/mistral/seq_cls");
    let spec = common::parse_json(&std::fs::read_to_string(dir.join("case.json")).unwrap());
    let tol = spec.get("tolerance").unwrap();
    let (rtol, atol) = (tol.get("rtol").unwrap().num(), tol.get("atol").unwrap().num());
    let inputs = common::read_safetensors(&dir.join("inputs.safetensors"));
    let expected = common::read_safetensors(&dir.join("expected.safetensors"));

    let rt = Runtime::new().unwrap();
    let opts = ModelOptions { head: Some(spec.get("head").unwrap().str().to_string()), ..Default::default() };
    let model = rt.load_model(&dir, &opts).unwrap();
    let feed: Vec<Input> = inputs
        .iter()
        .filter(|(name, _)| !name.starts_with("generate"))
        .map(|(name, t)| Input::i64(name, &t.shape, &t.ints))
        .collect();
    let outputs = model.forward(&feed, &[], false).unwrap();
    for (name, want) in &expected {
        let got = outputs.get(name).unwrap_or_else(|| panic!("no output {}", name));
        assert_eq!(got.shape, want.shape, "{}", name);
        let got = got.as_f32().expect("f32 output");
        for (i, (&g, &w)) in got.iter().zip(&want.values).enumerate() {
            assert!((g as f64 - w).abs() <= atol + rtol * w.abs(), "{}[{}]: got {}, want {}", name, i, g, w);
        }
    }
}
