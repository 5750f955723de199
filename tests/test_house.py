"The house stays changeable in one place: no function over a screen or with a long parameter list, few long code cells."
import importlib.util, json
from conftest import ROOT

spec = importlib.util.spec_from_file_location("house_metrics", ROOT / "perf" / "house_metrics.py")
house = importlib.util.module_from_spec(spec)
spec.loader.exec_module(house)

def test_no_function_is_over_a_screen_or_takes_more_than_seven_parameters():
    assert house.long_functions(ROOT / "doit_nb") == []

def test_at_most_eight_percent_of_code_cells_are_over_twenty_lines():
    sizes = [len([l for l in c if l.strip()]) for c in house.code_sources(ROOT / "nbs") if any(l.strip() for l in c)]
    assert sum(n > 20 for n in sizes) / len(sizes) <= 0.08

def test_the_header_and_body_count_splits_a_function_at_its_docstring():
    import ast
    src = ["def f(", "    x,  # the input", "):", '    "Twice x."', "    y = 2 * x", "", "    return y"]
    fn = ast.parse("\n".join(src)).body[0]
    assert house.header_and_body(fn, src) == (4, 2)
