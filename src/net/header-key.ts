// Owns the one spelling under which header names are compared: the gateway strips what it
// asserts in every spelling a server might fold to the same name (S8), "X_User" as "x-user".

/** The comparison form of a header name: lower-case, underscores as dashes. */
export function headerKey(name: string): string {
  return name.toLowerCase().replaceAll('_', '-');
}
