using Microsoft.Extensions.Configuration;

namespace DotnetFargate.Platform;

/// <summary>
/// Numeric settings read once at start. A value outside its range stops the start with an error that names the
/// setting by its full configuration path ("Admission:MaxConcurrent", set as Admission__MaxConcurrent), the range
/// and the value given; a value that is not a number is refused by the configuration binder, which names the path too.
/// </summary>
public static class Settings
{
    /// <summary>The setting <paramref name="key"/>, or <paramref name="defaultValue"/> when it is not set.</summary>
    public static int GetInt(this IConfiguration config, string key, int defaultValue, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(config);
        var value = config.GetValue(key, defaultValue);
        return value >= min && value <= max ? value : throw OutOfRange(config, key, $"between {min} and {max}", value);
    }

    /// <summary>The setting <paramref name="key"/>, or <paramref name="defaultValue"/> when it is not set.</summary>
    public static long GetLongAtLeast(this IConfiguration config, string key, long defaultValue, long min)
    {
        ArgumentNullException.ThrowIfNull(config);
        var value = config.GetValue(key, defaultValue);
        return value >= min ? value : throw OutOfRange(config, key, $"at least {min}", value);
    }

    private static InvalidOperationException OutOfRange(IConfiguration config, string key, string range, long value) =>
        new($"{(config is IConfigurationSection section ? ConfigurationPath.Combine(section.Path, key) : key)} must be {range}; got {value}.");
}
