"""Image and PDF normalisation, quality, OCR, classification, fields and seals."""
