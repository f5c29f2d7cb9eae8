using System.Diagnostics;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.IdentityModel.Validators;

namespace DotnetFargate.Tests;

/// <summary>
/// Tokens minted by the token command (tools/monitor-token.ts), validated as dotnet-monitor validates them, with the
/// same library, against the JWK the Pulumi program derives from the stack's KMS key and gives the sidecar. The tokens
/// (signed by a stand-in that signs as KMS does, in DER, which the command converts to JWS r||s), the public key, and
/// the sidecar's Issuer and Subject come from the program's offline evaluation (test/fixtures/monitor-key.ts, run with node).
/// The validation parameters follow dotnet/dotnet-monitor v10.0.3:
/// src/Tools/dotnet-monitor/Auth/ApiKey/JwtBearerOptionsExtensions.cs (signed, ES*/RS* only, issuer, signing key,
/// audience, lifetime), MonitorApiKeyPostConfigure.cs (the JWK from base64url; the issuer defaults to the
/// generatekey issuer when none is configured), UserAuthorizationHandler.cs (the subject claim must equal Subject).
/// </summary>
public sealed class MonitorApiKeyTests
{
    private const string Audience = "https://github.com/dotnet/dotnet-monitor";
    private const string DefaultIssuer = "https://github.com/dotnet/dotnet-monitor/generatekey+MonitorApiKey";
    private static readonly string[] AllowedAlgorithms =
    [
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha256Signature,
        SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha384Signature,
        SecurityAlgorithms.EcdsaSha512, SecurityAlgorithms.EcdsaSha512Signature,
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha256Signature,
        SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha384Signature,
        SecurityAlgorithms.RsaSha512, SecurityAlgorithms.RsaSha512Signature,
    ];

    private static readonly Lazy<JsonElement> Fixture = new(() => NodeFixture.Run("monitor-key.js"));

    [Fact]
    public async Task A_minted_token_passes_dotnet_monitor_validation_with_the_sidecar_settings()
    {
        var f = Fixture.Value;
        var issuer = f.GetProperty("issuer").GetString();
        var result = await ValidateAsync(f.GetProperty("token").GetString()!, f.GetProperty("publicKey").GetString()!, issuer);
        Assert.True(result.IsValid, result.Exception?.Message);
        // UserAuthorizationHandler: the authenticated subject must be the configured Subject.
        Assert.Equal(f.GetProperty("subject").GetString(), result.ClaimsIdentity.FindFirst("sub")?.Value
            ?? result.ClaimsIdentity.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value);
        // Short-lived: the command's default is 60 minutes.
        Assert.InRange(result.SecurityToken.ValidTo, DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(61));
    }

    [Fact]
    public async Task A_sidecar_without_an_issuer_refuses_the_token()
    {
        // What the program did before: the sidecar set no Issuer, so dotnet-monitor expects its generatekey issuer.
        var f = Fixture.Value;
        Assert.False(string.IsNullOrEmpty(f.GetProperty("issuer").GetString()), "the sidecar is given an Issuer");
        var result = await ValidateAsync(f.GetProperty("token").GetString()!, f.GetProperty("publicKey").GetString()!, issuer: null);
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidIssuerException>(result.Exception);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var f = Fixture.Value;
        var result = await ValidateAsync(f.GetProperty("expiredToken").GetString()!, f.GetProperty("publicKey").GetString()!, f.GetProperty("issuer").GetString());
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_refused()
    {
        var f = Fixture.Value;
        var result = await ValidateAsync(f.GetProperty("otherKeyToken").GetString()!, f.GetProperty("publicKey").GetString()!, f.GetProperty("issuer").GetString());
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenSignatureKeyNotFoundException>(result.Exception);
    }

    private static async Task<TokenValidationResult> ValidateAsync(string token, string base64UrlJwk, string? issuer)
    {
        var jwk = JsonWebKey.Create(Base64UrlEncoder.Decode(base64UrlJwk));
        Assert.False(jwk.HasPrivateKey, "the sidecar's key holds no private part");
        var parameters = new TokenValidationParameters
        {
            RequireSignedTokens = true,
            ValidAlgorithms = AllowedAlgorithms,
            ValidateIssuer = true,
            ValidIssuer = string.IsNullOrEmpty(issuer) ? DefaultIssuer : issuer,
            ValidateIssuerSigningKey = true,
            IssuerSigningKeys = [jwk],
            TryAllIssuerSigningKeys = true,
            ValidateAudience = true,
            ValidAudiences = [Audience],
            ValidateActor = false,
            ValidateLifetime = true,
        };
        parameters.EnableAadSigningKeyIssuerValidation();
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
    }
}
