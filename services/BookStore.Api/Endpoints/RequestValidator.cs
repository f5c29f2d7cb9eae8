using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using DotnetFargate.Platform;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Validation;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace BookStore.Api.Endpoints;

/// <summary>
/// Runs .NET 10's validation on a request: the metadata its source generator emits for the request records
/// (AOT-safe, found through AddValidation's ValidationOptions), with the errors keyed by the JSON names the
/// serializer uses. 10.0's own endpoint filter keys them by the C# property name (`Name` where the API answers
/// `name`) and has no option for JSON names (dotnet/aspnetcore#61764), so the routes opt out of that filter
/// (BookStoreApi) and call this instead. Behaviour relied on, as dotnet/aspnetcore src/Validation/src/
/// ValidatablePropertyInfo.cs and ValidatableTypeInfo.cs have it (read at main; the v10.0.12 tag was not at hand)
/// and the tests pin on 10.0.12 (CategoryTests, OrderTests): properties are checked in declaration order, a
/// RequiredAttribute first and alone when it fails, then every other attribute; errors are keyed by C# names.
/// </summary>
public sealed class RequestValidator(
    IOptions<ValidationOptions> validation, IOptions<JsonOptions> json, IServiceProvider services)
{
    private readonly ConcurrentDictionary<(Type, string), string> _jsonNames = new();

    public async Task<ValidationErrors> ValidateAsync<T>(T request, CancellationToken cancellationToken)
        where T : class
    {
        var options = validation.Value;
        if (!options.TryGetValidatableTypeInfo(typeof(T), out var info))
        {
            throw new InvalidOperationException(
                $"{typeof(T).Name} has no generated validation metadata: give it a rule from RequestRules.cs.");
        }

        var context = new ValidateContext
        {
            ValidationOptions = options,
            ValidationContext = new ValidationContext(request, typeof(T).Name, services, items: null),
            CurrentValidationPath = string.Empty,
        };
        await info.ValidateAsync(request, context, cancellationToken);

        var errors = new ValidationErrors();
        foreach (var (path, messages) in context.ValidationErrors ?? [])
        {
            foreach (var message in messages)
            {
                errors.Add(JsonName(typeof(T), path), message);
            }
        }
        return errors;
    }

    /// <summary>The JSON name of the member a rule is checking (the rules' messages name the field by it).</summary>
    public static string JsonName(ValidationContext context) =>
        ((RequestValidator?)context.GetService(typeof(RequestValidator))
            ?? throw new InvalidOperationException("RequestValidator is not registered."))
        .JsonName(context.ObjectType, context.MemberName!);

    /// <summary>The request records are flat, so a path is one C# property name.</summary>
    private string JsonName(Type type, string member) => _jsonNames.GetOrAdd((type, member), key =>
    {
        var typeInfo = json.Value.SerializerOptions.GetTypeInfo(key.Item1);
        foreach (var property in typeInfo.Properties)
        {
            if (property.AttributeProvider is MemberInfo { Name: var name } && name == key.Item2)
            {
                return property.Name;
            }
        }
        throw new InvalidOperationException($"{key.Item1.Name}.{key.Item2} is not a JSON property of the request.");
    });
}
