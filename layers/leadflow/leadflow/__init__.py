"""leadflow: serverless B2B lead management — capture, dedupe, enrich, score, qualify, route, nurture, report."""

__version__ = "0.1.0"
