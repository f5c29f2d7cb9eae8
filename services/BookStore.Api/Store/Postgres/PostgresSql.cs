using Npgsql;
using NpgsqlTypes;

namespace BookStore.Api.Store.Postgres;

/// <summary>How the store and the schema pass values and run statements: one rule for both.</summary>
internal static class PostgresSql
{
    /// <summary>
    /// A positional parameter. A DateTime is sent as timestamptz in UTC whatever its Kind (Npgsql refuses an
    /// unspecified Kind for timestamptz); anything else as Npgsql infers it. An NpgsqlParameter passes as is.
    /// </summary>
    public static NpgsqlParameter Parameter(object value) => value switch
    {
        NpgsqlParameter given => given,
        DateTime d => new NpgsqlParameter { Value = DateTime.SpecifyKind(d, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz },
        _ => new NpgsqlParameter { Value = value },
    };

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, object[] args)
    {
        var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var arg in args)
        {
            command.Parameters.Add(Parameter(arg));
        }
        return command;
    }

    public static NpgsqlBatchCommand BatchCommand(string sql, params object[] args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(Parameter(arg));
        }
        return command;
    }

    public static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        await command.ExecuteNonQueryAsync(ct);
    }
}
