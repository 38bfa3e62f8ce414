//! `pynn::plot`: a small native network drawn as a multi-panel figure to PNG
//! and SVG; the PNG decodes at the requested size and is not blank, the SVG
//! holds the title, the axis labels with units and the provenance; bad input
//! gives errors naming what is allowed.
#![cfg(feature = "plot")]

use pynn::WeightHistory;
use pynn::plot::Figure;
use pynn::prelude::*;
use std::path::PathBuf;

/// A fresh directory under the system's temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pynn_plot_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// 20 Poisson-driven cells, spikes of all and v + conductances of two.
fn run_network() -> (Block, Sim<Native>) {
    let sim = Sim::<Native>::setup(Setup { timestep: 0.1, seed: 4242, ..Setup::default() }).unwrap();
    let cells = Population::with_label(&sim, 20, IF_cond_exp::default(), Some("cells")).unwrap();
    let drive = Population::new(&sim, 20, SpikeSourcePoisson { rate: 2000.0, ..Default::default() }).unwrap();
    Projection::new(&drive, &cells, &OneToOneConnector, StaticSynapse::new(0.01, 0.5), Some("excitatory")).unwrap();
    Projection::new(
        &cells,
        &cells,
        &FixedProbabilityConnector::new(0.2),
        StaticSynapse::new(0.02, 1.0),
        Some("inhibitory"),
    )
    .unwrap();
    cells.record("spikes", None).unwrap();
    cells.view(0..2).unwrap().record(["v", "gsyn_exc", "gsyn_inh"], None).unwrap();
    sim.run(300.0).unwrap();
    (cells.get_data().unwrap(), sim)
}

fn figure(block: &Block) -> Figure {
    let seg = &block.segments[0];
    Figure::new("Test network")
        .provenance(block)
        .raster(seg, None)
        .unwrap()
        .signal(seg, "v", Some(0..2))
        .unwrap()
        .conductances(seg, None)
        .unwrap()
        .rate_histogram(seg, 10.0)
        .unwrap()
        .isi_cv(seg)
        .unwrap()
}

#[test]
fn png_and_svg_are_written_at_the_requested_size() {
    let (block, _sim) = run_network();
    let spikes: usize = block.segments[0].spiketrains.iter().map(|s| s.times.len()).sum();
    assert!(spikes > 20, "the network should spike ({spikes} spikes)");
    let fig = figure(&block);
    assert_eq!(fig.n_panels(), 6);
    let dir = temp_dir("figure");

    let png_path = dir.join("net.png");
    fig.save(&png_path, (900, 1200)).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (900, 1200));
    let pixels = &buf[..info.buffer_size()];
    let non_white = pixels.chunks(3).filter(|p| p != &[255, 255, 255]).count();
    assert!(non_white > 10_000, "{non_white} non-white pixels: the figure is blank");
    let colored = pixels.chunks(3).filter(|p| p[2] > p[0].saturating_add(60)).count();
    assert!(colored > 100, "{colored} blue pixels: no data drawn");

    let svg_path = dir.join("net.svg");
    fig.save(&svg_path, (900, 1200)).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.contains("width=\"900\"") && svg.contains("height=\"1200\""));
    for text in [
        "Test network",
        "time (ms)",
        "v (mV)",
        "gsyn_exc (uS)",
        "gsyn_inh (uS)",
        "rate (Hz)",
        "cell index",
        "CV(ISI)",
        "backend native",
        "seed 4242",
        "dt 0.1 ms",
    ] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }
    // `PYNN_PLOT_KEEP=DIR` keeps copies to look at.
    if let Some(keep) = std::env::var_os("PYNN_PLOT_KEEP") {
        for f in ["net.png", "net.svg"] {
            std::fs::copy(dir.join(f), PathBuf::from(&keep).join(f)).unwrap();
        }
        fig.save(PathBuf::from(&keep).join("net_small.png"), (640, 800)).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn weights_and_lines_panels_from_a_session() {
    let (_, sim) = run_network();
    let history = WeightHistory {
        times: vec![0.0, 100.0, 200.0, 300.0],
        connections: 2,
        weights: vec![0.5, 0.2, 0.55, 0.18, 0.6, 0.15, 0.62, 0.1],
    };
    let dir = temp_dir("weights");
    let path = dir.join("w.svg");
    let fig = Figure::new("Weights")
        .provenance(&sim)
        .weights(&history, "uS")
        .unwrap()
        .lines("traces", "time (ms)", "u", vec![("u".into(), vec![(0.0, 0.1), (10.0, 0.3)])])
        .unwrap();
    fig.save(&path, (600, 500)).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    if let Some(keep) = std::env::var_os("PYNN_PLOT_KEEP") {
        std::fs::copy(&path, PathBuf::from(&keep).join("w.svg")).unwrap();
        fig.save(PathBuf::from(&keep).join("w.png"), (600, 500)).unwrap();
    }
    for text in ["Weights", "weight (uS)", "time (ms)", "backend native", "seed 4242"] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_gives_errors_naming_what_is_allowed() {
    let (block, _sim) = run_network();
    let seg = &block.segments[0];
    let dir = temp_dir("errors");
    let fig = Figure::new("x").raster(seg, None).unwrap();

    let e = fig.save(dir.join("f.jpg"), (400, 300)).unwrap_err().to_string();
    assert!(e.contains(".jpg") && e.contains(".png") && e.contains(".svg"), "{e}");
    let e = fig.save(dir.join("f"), (400, 300)).unwrap_err().to_string();
    assert!(e.contains("none") && e.contains(".png"), "{e}");
    let e = fig.save(dir.join("f.png"), (10, 10)).unwrap_err().to_string();
    assert!(e.contains("10 x 10"), "{e}");
    let e = Figure::new("empty").save(dir.join("f.png"), (400, 300)).unwrap_err().to_string();
    assert!(e.contains("panel"), "{e}");
    let e = fig.save(dir.join("no_such_dir").join("f.png"), (400, 300)).unwrap_err().to_string();
    assert!(e.contains("no_such_dir"), "{e}");

    let e = Figure::new("x").signal(seg, "u", None).unwrap_err().to_string();
    assert!(e.contains("\"u\"") || e.contains("u"), "{e}");
    assert!(e.contains("v"), "{e}");
    let e = Figure::new("x").signal(seg, "v", Some(5..9)).unwrap_err().to_string();
    assert!(e.contains("5..9"), "{e}");
    let e = Figure::new("x").raster(seg, Some(100..200)).unwrap_err().to_string();
    assert!(e.contains("100..200"), "{e}");
    let e = Figure::new("x").rate_histogram(seg, -1.0).unwrap_err().to_string();
    assert!(e.contains("bin"), "{e}");
    let e = Figure::new("x").weights(&WeightHistory::default(), "nA").unwrap_err().to_string();
    assert!(e.contains("record_weights"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reset_is_drawn_as_one_unbroken_vertical_line() {
    // Recorded v of a spiking cell, drawn large: in the column of each
    // reset, every pixel row between the top and the bottom of the drop is
    // inked (plotters' polygon fill of lines wider than 1 px left holes
    // where the trace doubles back).
    let (block, _sim) = run_network();
    let seg = &block.segments[0];
    let dir = temp_dir("reset");
    let path = dir.join("v.png");
    Figure::new("v").signal(seg, "v", Some(0..1)).unwrap().save(&path, (1000, 800)).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let blue = |x: usize, y: usize| {
        let p = &buf[(y * w + x) * 3..(y * w + x) * 3 + 3];
        p[2] > p[0].saturating_add(60)
    };
    let mut resets = 0;
    for x in 0..w {
        let ys: Vec<usize> = (0..h).filter(|y| blue(x, *y)).collect();
        let (Some(lo), Some(hi)) = (ys.first(), ys.last()) else { continue };
        if hi - lo > h / 3 {
            resets += 1;
            assert_eq!(
                hi - lo + 1,
                ys.len(),
                "holes in the reset at x = {x}: {} of {} rows inked",
                ys.len(),
                hi - lo + 1
            );
        }
    }
    assert!(resets > 10, "{resets} resets drawn");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Decodes a PNG into (width, height, RGB8 pixels).
fn decode(path: &std::path::Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

#[test]
fn histogram_counts_values_into_their_bins_and_draws_the_expected_line() {
    // 1000 values all in [2, 3) of a 0..10 range in 10 bins: the bars (blue)
    // occupy one bin, a tenth of the plot width; the expected line of a
    // uniform density on [0, 10) (red) spans the whole width.
    let values: Vec<f64> = (0..1000).map(|k| 2.0 + k as f64 / 1000.0).collect();
    let dir = temp_dir("histogram");
    let path = dir.join("h.png");
    let uniform = |x: f64| if (0.0..10.0).contains(&x) { 0.1 } else { 0.0 };
    let fig = Figure::new("hist").histogram("values", "x (mV)", &values, 0.0..10.0, 10, Some(&uniform)).unwrap();
    fig.save(&path, (800, 400)).unwrap();
    let (w, h, px) = decode(&path);
    let columns = |pred: &dyn Fn(&[u8]) -> bool| -> Vec<usize> {
        (0..w).filter(|x| (0..h).any(|y| pred(&px[(y * w + x) * 3..(y * w + x) * 3 + 3]))).collect()
    };
    let blue = columns(&|p| p[2] > p[0].saturating_add(60));
    let red = columns(&|p| p[0] > 180 && p[1] < 80 && p[2] < 80);
    let blue_width = blue.last().unwrap() - blue.first().unwrap();
    let red_width = red.last().unwrap() - red.first().unwrap();
    // The plot area is ~700 of the 800 pixels: one bin ~70 px (+ 1 px edges),
    // the expected line ~9 bins (centre of the first to centre of the last).
    assert!((50..=90).contains(&blue_width), "bars span {blue_width} px, one bin of ~70 px expected");
    assert!(red_width > 500, "expected line spans {red_width} px, ~9 bins of ~70 px expected");
    let svg_path = dir.join("h.svg");
    fig.save(&svg_path, (800, 400)).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    for text in ["values", "x (mV)", "count", "expected"] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }

    let e = Figure::new("x").histogram("h", "x", &[], 0.0..1.0, 10, None).unwrap_err().to_string();
    assert!(e.contains("at least one value"), "{e}");
    let e = Figure::new("x").histogram("h", "x", &[0.5], 0.0..1.0, 0, None).unwrap_err().to_string();
    assert!(e.contains("bins") && e.contains("1..=10000"), "{e}");
    let e = Figure::new("x").histogram("h", "x", &[0.5], 1.0..1.0, 5, None).unwrap_err().to_string();
    assert!(e.contains("1.0..1.0") && e.contains("end > start"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn scatter_draws_each_series_in_its_colour() {
    // A 10 x 10 grid (blue) and, over it, three points of a second series
    // (orange) in the lower left corner.
    let grid: Vec<(f64, f64)> = (0..100).map(|k| ((k / 10) as f64, (k % 10) as f64)).collect();
    let picked = vec![(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)];
    let dir = temp_dir("scatter");
    let path = dir.join("s.png");
    let fig = Figure::new("grid")
        .scatter("positions", "x (um)", "y (um)", vec![("cells".into(), grid), ("targets".into(), picked)])
        .unwrap();
    fig.save(&path, (600, 600)).unwrap();
    let (w, h, px) = decode(&path);
    let count = |pred: &dyn Fn(&[u8]) -> bool| px.chunks(3).filter(|p| pred(p)).count();
    let blue = count(&|p| p[2] > p[0].saturating_add(60));
    let orange: Vec<usize> = (0..w * h)
        .filter(|i| {
            let p = &px[i * 3..i * 3 + 3];
            p[0] > 200 && (90..170).contains(&p[1]) && p[2] < 60
        })
        .collect();
    assert!(blue > 100 * 5, "{blue} blue pixels for 100 dots");
    assert!(orange.len() > 3 * 5, "{} orange pixels for 3 dots", orange.len());
    // The orange dots (outside the legend, upper right) lie in the lower left quarter.
    let lower_left = orange.iter().filter(|i| *i % w < w / 2 && *i / w > h / 2).count();
    assert!(lower_left >= 3 * 5, "{lower_left} orange pixels in the lower left quarter");
    let e = Figure::new("x").scatter("s", "x", "y", vec![("a".into(), vec![])]).unwrap_err().to_string();
    assert!(e.contains("at least one point"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
