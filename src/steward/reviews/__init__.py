"""Monthly vendor scorecards and business-review packs (PDF and XLSX)."""
