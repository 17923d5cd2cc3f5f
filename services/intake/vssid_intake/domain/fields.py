"""The declaration-field API in one place: draft normalisation and the submit check."""

from __future__ import annotations

from vssid_intake.domain.drafts import (
    DECLARATION_FIELDS,
    ID_DOCUMENT_FIELDS,
    apply_submit_defaults,
    merge_draft,
    normalize_fields,
)
from vssid_intake.domain.submittable import (
    IMAGE_KINDS,
    SubmitAssessment,
    assess_submission,
    check_submittable,
)

__all__ = [
    "DECLARATION_FIELDS",
    "ID_DOCUMENT_FIELDS",
    "IMAGE_KINDS",
    "SubmitAssessment",
    "apply_submit_defaults",
    "assess_submission",
    "check_submittable",
    "merge_draft",
    "normalize_fields",
]
