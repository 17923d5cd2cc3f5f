"""Pure domain rules of intake: field normalisation, submit checks, agencies and images."""
