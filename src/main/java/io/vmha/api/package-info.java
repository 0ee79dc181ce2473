/**
 * The vmha custom resources (group {@code vmha.io}, version {@code v1alpha1}). Only the model lives
 * here: the CRDs in {@code crds/} are generated from these classes at build time, so every field
 * carries its description and validation as annotations.
 */
package io.vmha.api;
