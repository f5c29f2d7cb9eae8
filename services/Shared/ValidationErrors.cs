namespace DotnetFargate.Platform;

/// <summary>Collects validation messages per field (camelCase names) for a ValidationProblem.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            list = [];
            _errors[field] = list;
        }
        list.Add(message);
    }

    /// <summary>Checks a required name-like string: present, not blank, within the length bounds.</summary>
    public void RequireText(string field, string? value, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"{field} is required.");
        }
        else if (value.Trim().Length < min || value.Trim().Length > max)
        {
            Add(field, $"{field} must be between {min} and {max} characters.");
        }
    }

    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
