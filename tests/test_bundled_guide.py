"""The runner's-knee guide that ships in content/ builds as the issue describes it."""

from __future__ import annotations

import re

ROUTINE_ORDER = [
    "half-kneeling-quad-mobilization",
    "low-lunge-with-reach",
    "90-90-sit-with-reach",
    "ankle-mobilization",
    "wide-legged-forward-fold",
]


def test_the_routine_has_the_five_mobilizations_in_order(bundled_site):
    page = (bundled_site / "routines/runners-knee/index.html").read_text()
    assert "<h1>Runner&#39;s knee mobility</h1>" in page
    assert re.findall(r'<h2><a href="\.\./\.\./exercises/([^/]+)/index\.html">', page) == ROUTINE_ORDER
    assert page.count('<ol class="steps">') == 5


def _primary_groups(site, slug):
    page = (site / f"muscles/{slug}/index.html").read_text()
    section = page.split('id="primary"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="\.\./\.\./exercises/([^/]+)/index\.html"', section)


def test_each_exercise_is_listed_under_its_muscle_groups(bundled_site):
    assert _primary_groups(bundled_site, "quadriceps") == [
        "half-kneeling-quad-mobilization", "low-lunge-with-reach"]  # rectus femoris is a quadriceps muscle
    assert _primary_groups(bundled_site, "hip-flexors") == ["90-90-sit-with-reach", "low-lunge-with-reach"]
    assert _primary_groups(bundled_site, "hip-abductors") == ["90-90-sit-with-reach"]
    assert _primary_groups(bundled_site, "calves") == ["ankle-mobilization"]
    assert _primary_groups(bundled_site, "hamstrings") == ["wide-legged-forward-fold"]


def test_the_muscle_list_covers_the_whole_body(bundled_site):
    index = (bundled_site / "muscles/index.html").read_text()
    for group in ("Quadriceps", "Hamstrings", "Glutes", "Hip flexors", "Hip abductors", "Adductors", "Calves",
                  "Shins", "Chest", "Shoulders", "Upper back", "Lats", "Lower back", "Biceps", "Triceps",
                  "Forearms", "Neck", "Core"):
        assert f">{group}</" in index, group


def test_the_source_of_the_routine_is_credited(bundled_site):
    assert "Dereck Steffe, DPT, of Return to Sport Physio" in (bundled_site / "index.html").read_text()
